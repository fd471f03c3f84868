import TandemCore
import TandemEngine
import TandemReport
import TandemRuntime
import TandemScenario

/// Carries out a scenario's faults on the simulated world, and records each as a window in the report and
/// an event in the trace.
// Why `@unchecked Sendable` is safe: its only mutable state is `LoopLocal`, which simulated code alone touches, and
// simulated code runs only on the simulation's loop thread, one job or timer at a time (`SimExecutor`).
final class FaultInjector: @unchecked Sendable {
    let world: SimWorld
    @exclusivity(unchecked) private var partitions = LoopLocal<[Int: Int]>([:])
    @exclusivity(unchecked) private var random: LoopLocal<SplitMix64>

    init(world: SimWorld) {
        self.world = world
        self.random = LoopLocal(SplitMix64.derive(seed: world.context.seed, stream: 0x6661756C74))
    }

    var context: SimWorldContext { world.context }

    func start(_ index: Int) async {
        let fault = world.scenario.faults[index]
        let now = context.executor.nowNanos
        context.recorder.trace(.fault, from: index, to: 0, payload: 1)
        context.recorder.faultWindow(
            fault.kind.key, label: Self.label(fault.kind), fault: index + 1, startNanos: now, endNanos: windowEnd(fault))
        switch fault.kind {
        case .partition(let partition):
            let a = Set(partition.between.map(place)), b = Set(partition.and.map(place))
            partitions.update { $0[index] = context.network.partition(a, b) }
            for node in context.nodes where !context.network.reachable(.node(node.index), .clients) {
                node.breakConnections()
            }
        case .latencySpike(let spike):
            context.network.setSpike(spike.link, spike.added)
        case .loss(let loss):
            context.network.setExtraLoss(loss.link, loss.rate)
        case .brokerOutage:
            context.broker.setOutage(true)
        case .crash(let crash):
            await context.nodes[crash.node.number - 1].crash()
        case .disconnect(let disconnect):
            await disconnectClients(disconnect, fault: index + 1)
        case .deleteRecord(let deletion):
            await deleteRecord(deletion, fault: index)
        }
    }

    /// Where a fault's window ends as first noted (`Fault.windowEnd`); a `disconnect` that reconnects is noted as
    /// lasting to the end of the run until its last client is back (`SimRecorder.awaitReconnects`).
    private func windowEnd(_ fault: Fault) -> Int64 {
        switch fault.windowEnd {
        case .at(let end): end.nanosecondsClamped
        case .whenReconnected, .endOfRun: world.totalNanos
        }
    }

    func end(_ index: Int) async {
        let fault = world.scenario.faults[index]
        context.recorder.trace(.fault, from: index, to: 0, payload: 2)
        switch fault.kind {
        case .partition:
            if let id = partitions.update({ $0.removeValue(forKey: index) }) { context.network.heal(id) }
            context.broker.pump()
        case .latencySpike(let spike):
            context.network.setSpike(spike.link, nil)
        case .loss(let loss):
            context.network.setExtraLoss(loss.link, nil)
        case .brokerOutage:
            context.broker.setOutage(false)
        case .crash(let crash):
            try? await context.nodes[crash.node.number - 1].boot()
        case .disconnect, .deleteRecord:
            break
        }
    }

    /// An administrator's REST `DELETE` to one node: its engine commits the deletion like any change. A node that
    /// is down cannot take it, as a real one would answer nothing; what happened is counted.
    private func deleteRecord(_ deletion: RecordDeletion, fault index: Int) async {
        let node = context.nodes[deletion.via.number - 1]
        guard node.isUp, let engine = node.engine else {
            context.recorder.count("faults.deletions_unreachable", node: nil)
            return
        }
        let key = RecordKey(model: deletion.model, recordID: String(deletion.record))
        let result = await engine.delete(
            key, baseVersion: nil, user: UserRef(id: 0, username: "admin"), origin: .rest, changeID: "fault-\(index + 1)")
        switch result {
        case .deleted: context.recorder.count("faults.records_deleted", node: nil)
        case .changedSince, .rejected: context.recorder.count("faults.deletions_refused", node: nil)
        }
    }

    private func place(_ endpoint: Endpoint) -> SimNetwork.Place {
        switch endpoint {
        case .node(let node): return .node(node.number - 1)
        case .broker: return .broker
        case .store: return .store
        case .allClients, .clientGroup: return .clients
        }
    }

    private func disconnectClients(_ disconnect: Disconnect, fault: Int) async {
        let candidates = await DisconnectPlan.candidates(for: disconnect, among: world.clients)
        let chosen = random.update { DisconnectPlan.draw(disconnect, candidates: candidates, random: &$0) }
        for (client, after) in chosen { await client.dropConnection(reconnectAfter: after) }
        if disconnect.reconnectAfter != nil {
            context.recorder.awaitReconnects(fault: fault, clients: Set(chosen.map(\.client.index)))
        }
        context.recorder.count("faults.disconnected_clients", node: nil, by: chosen.count)
    }

    static func label(_ kind: FaultKind) -> String {
        switch kind {
        case .partition(let partition):
            return "partition \(partition.between.map(\.description).joined(separator: ",")) | "
                + partition.and.map(\.description).joined(separator: ",")
        case .latencySpike(let spike): return "latency +\(spike.added) on \(spike.link.rawValue)"
        case .loss(let loss): return "loss \(loss.rate) on \(loss.link.rawValue)"
        case .brokerOutage: return "broker outage"
        case .crash(let crash): return "crash \(crash.node)"
        case .deleteRecord(let deletion): return "delete \(deletion.model):\(deletion.record) via \(deletion.via)"
        case .disconnect(let disconnect):
            switch disconnect.clients {
            case .percent(let percent): return "disconnect \(percent)% of clients"
            case .count(let count): return "disconnect \(count) clients"
            }
        }
    }
}

/// Which clients a `disconnect` fault drops, and when each comes back: the same draw in the simulator and live.
public enum DisconnectPlan {
    /// The connected clients the fault may drop (of its group, if it names one), in scenario order.
    public static func candidates(for disconnect: Disconnect, among clients: [SimClient]) async -> [SimClient] {
        var candidates: [SimClient] = []
        for client in clients {
            let snapshot = await client.snapshot()
            guard snapshot.connected, !snapshot.departed else { continue }
            if let group = disconnect.group, !client.name.hasPrefix(group + "-") { continue }
            candidates.append(client)
        }
        return candidates
    }

    /// Shuffles the candidates, takes the fault's share, and draws each one's reconnect delay.
    public static func draw(
        _ disconnect: Disconnect, candidates: [SimClient], random: inout SplitMix64
    ) -> [(client: SimClient, reconnectAfter: Duration?)] {
        let count: Int
        switch disconnect.clients {
        case .percent(let percent): count = Int((Double(candidates.count) * percent / 100).rounded())
        case .count(let wanted): count = min(wanted, candidates.count)
        }
        var chosen = candidates
        for index in stride(from: chosen.count - 1, to: 0, by: -1) {
            chosen.swapAt(index, random.bounded(index + 1))
        }
        return chosen.prefix(count).map { client in
            (client, disconnect.reconnectAfter.map { $0.sample(using: &random) })
        }
    }
}

extension FaultKind {
    /// How a fault of this kind is labelled in reports.
    public var label: String { FaultInjector.label(self) }
}
