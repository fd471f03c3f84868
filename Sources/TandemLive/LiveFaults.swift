import Synchronization
import TandemCore
import TandemReport
import TandemRuntime
import TandemScenario
import TandemSim

/// Carries out a scenario's faults on live nodes: SIGKILL and restart for `crash`, the fault proxies for
/// partitions, latency, loss and broker outages, RST for `disconnect`, a REST `DELETE` for `delete_record`. Each
/// fault is a window in the report, as in the simulator.
final class LiveFaults: Sendable {
    let scenario: Scenario
    let targets: LiveTargets
    let clients: [SimClient]
    let recorder: SimRecorder
    let clock: any ClientClock
    /// The administrator's token (for `delete_record`).
    let adminToken: String
    /// With `--shard`: this process plays one slice of the users, and its share of each fault.
    let shard: Shard?
    let progress: @Sendable (String) -> Void
    private let random: LockedRandom
    private let crashCounters = Mutex<[Int: [String: Double]]>([:])

    init(
        scenario: Scenario, seed: UInt64, targets: LiveTargets, clients: [SimClient], recorder: SimRecorder,
        clock: any ClientClock, adminToken: String, shard: Shard? = nil,
        progress: @escaping @Sendable (String) -> Void
    ) {
        self.scenario = scenario
        self.targets = targets
        self.clients = clients
        self.recorder = recorder
        self.clock = clock
        self.adminToken = adminToken
        self.shard = shard
        self.progress = progress
        self.random = LockedRandom(SplitMix64.derive(seed: seed, stream: 0x6661756C74))
    }

    /// What each killed node had counted, read just before each kill, by node index.
    var countersBeforeCrashes: [Int: [String: Double]] { crashCounters.withLock { $0 } }

    /// Reads a node's running totals before it is killed, since its next incarnation starts from zero. What it counts
    /// between this read (a few milliseconds; at most two seconds if it does not answer) and the kill is lost.
    private func keepCounters(ofNode index: Int) async {
        var rest = LiveREST(baseURL: targets.nodes[index].restURL)
        rest.timeout = 2
        guard let text = try? await rest.metrics() else {
            recorder.count("metrics.scrape_failed", node: index)
            return
        }
        let counters = PrometheusText.counters(text)
        crashCounters.withLock { kept in kept[index, default: [:]].merge(counters, uniquingKeysWith: +) }
    }

    func start(_ index: Int) async {
        let fault = scenario.faults[index]
        let now = clock.nowNanos
        let endNanos: Int64 = switch fault.windowEnd {
        case .at(let end): end.nanosecondsClamped
        case .whenReconnected, .endOfRun: scenario.totalDuration.nanosecondsClamped
        }
        recorder.faultWindow(fault.kind.key, label: fault.kind.label, fault: index + 1, startNanos: now,
                             endNanos: endNanos)
        progress("fault \(index + 1): \(fault.kind.label)")
        switch fault.kind {
        case .partition(let partition):
            for (proxy, mode) in cuts(partition) { proxy.setMode(mode) }
        case .latencySpike(let spike):
            for proxy in proxies(on: spike.link) { proxy.setSpike(spike.added) }
        case .loss(let loss):
            for proxy in proxies(on: loss.link) { proxy.setExtraLoss(loss.rate) }
        case .brokerOutage:
            for proxy in proxies(on: .nodeBroker) { proxy.setMode(.reset) }
        case .crash(let crash):
            await keepCounters(ofNode: crash.node.number - 1)
            await targets.nodes[crash.node.number - 1].server?.crash()
        case .disconnect(var disconnect):
            // A shard drops its share of a count (a percentage applies to each shard's users as it is).
            if let shard, case .count(let wanted) = disconnect.clients { disconnect.clients = .count(shard.share(of: wanted)) }
            let candidates = await DisconnectPlan.candidates(for: disconnect, among: clients)
            let chosen = random.draw { DisconnectPlan.draw(disconnect, candidates: candidates, random: &$0) }
            for (client, after) in chosen {
                // The browser's network dies: the proxy in front of its node keeps the node's side silent (the node
                // finds out by heartbeat expiry, as in the simulator), and the browser's socket is reset.
                if let connection = await client.currentConnection as? LiveConnection, let port = connection.localPort,
                   let proxy = targets.nodes[connection.node].clientProxy, await !proxy.sever(clientPort: port)
                {
                    recorder.count("faults.disconnects_not_severed", node: connection.node)
                }
                await client.dropConnection(reconnectAfter: after)
            }
            if disconnect.reconnectAfter != nil {
                recorder.awaitReconnects(fault: index + 1, clients: Set(chosen.map { $0.client.index }))
            }
            recorder.count("faults.disconnected_clients", node: nil, by: chosen.count)
        case .deleteRecord(let deletion):
            // One DELETE for the whole run: the first shard's.
            if (shard?.index ?? 1) == 1 { await delete(deletion) }
        }
    }

    func end(_ index: Int) async {
        let fault = scenario.faults[index]
        switch fault.kind {
        case .partition(let partition):
            for (proxy, _) in cuts(partition) { proxy.setMode(.pass) }
        case .latencySpike(let spike):
            for proxy in proxies(on: spike.link) { proxy.setSpike(nil) }
        case .loss(let loss):
            for proxy in proxies(on: loss.link) { proxy.setExtraLoss(nil) }
        case .brokerOutage:
            for proxy in proxies(on: .nodeBroker) { proxy.setMode(.pass) }
        case .crash(let crash):
            do {
                try await targets.nodes[crash.node.number - 1].server?.start()
                progress("\(crash.node) restarted")
            } catch {
                progress("\(crash.node) did not restart: \(error)")
                recorder.count("faults.restarts_failed", node: crash.node.number - 1)
            }
        case .disconnect, .deleteRecord:
            break
        }
    }

    /// The proxies a partition cuts, and how: the clients' sockets are reset while the node's side stays open and
    /// silent (sever: the clients see the break, the node finds out by heartbeat expiry, as in the simulator); a
    /// node's broker and store links stall (hold), as a partition does to a long-lived connection until it heals.
    private func cuts(_ partition: Partition) -> [(FaultProxy, FaultProxy.Mode)] {
        var cuts: [(FaultProxy, FaultProxy.Mode)] = []
        for a in partition.between {
            for b in partition.and {
                for (node, other) in [(a, b), (b, a)] {
                    guard case .node(let id) = node else { continue }
                    let live = targets.nodes[id.number - 1]
                    switch other {
                    case .allClients, .clientGroup: if let proxy = live.clientProxy { cuts.append((proxy, .sever)) }
                    case .broker: if let proxy = live.brokerProxy { cuts.append((proxy, .hold)) }
                    case .store: if let proxy = live.storeProxy { cuts.append((proxy, .hold)) }
                    case .node: break  // nodes talk only through the broker
                    }
                }
            }
        }
        return cuts
    }

    private func proxies(on link: LinkKind) -> [FaultProxy] {
        targets.nodes.compactMap { node in
            switch link {
            case .clientNode: node.clientProxy
            case .nodeBroker: node.brokerProxy
            case .nodeStore: node.storeProxy
            }
        }
    }

    /// An administrator's REST `DELETE` to the named node; a node that does not answer is counted, as in the
    /// simulator.
    private func delete(_ deletion: RecordDeletion) async {
        let node = targets.nodes[(deletion.via.number - 1) % targets.nodes.count]
        do {
            let status = try await LiveREST(baseURL: node.restURL)
                .delete(model: deletion.model, record: String(deletion.record), token: adminToken)
            switch status {
            case 200, 204: recorder.count("faults.records_deleted", node: nil)
            default: recorder.count("faults.deletions_refused", node: nil)
            }
        } catch {
            recorder.count("faults.deletions_unreachable", node: nil)
        }
    }
}

/// A seeded random stream behind a lock.
final class LockedRandom: Sendable {
    private let state: Mutex<SplitMix64>

    init(_ random: SplitMix64) { state = Mutex(random) }

    func draw<T>(_ body: (inout SplitMix64) -> T) -> T { state.withLock { body(&$0) } }
}
