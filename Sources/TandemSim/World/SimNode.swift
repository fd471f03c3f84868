import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario

/// A weak reference to the world, so that nodes do not keep it alive.
struct WeakContext: Sendable {
    weak var context: SimWorldContext?
}

/// A simulated server node: the real `CollaborationNode` actor plus what a machine adds — a processor
/// (``NodeCPU``: the node actor's serial work and the cores' parallel work, costed as `topology.node` says),
/// bounded write queues on its connections, and a life that can crash and restart (losing everything in
/// memory; the store keeps what was committed).
final class SimNode: Sendable {
    private struct State {
        var engine: CollaborationNode?
        var up = false
        var connections: [Int: SimConnection] = [:]
        var incarnation = 0
    }

    let index: Int
    let name: String
    let configuration: NodeConfiguration
    let cpu: NodeCPU
    /// Frames one connection's write queue holds before the node closes it with 1013.
    var writeQueueMax: Int { configuration.limits.outboundQueueCountMax }
    private let state = LockedValue(State())
    private let contextBox = LockedValue(WeakContext())

    init(index: Int, configuration: NodeConfiguration, costs: NodeCosts, seed: UInt64) {
        self.index = index
        self.name = configuration.nodeID
        self.configuration = configuration
        self.cpu = NodeCPU(costs: costs, seed: seed, node: index)
    }

    /// Connects the node to its world (the world holds the nodes, so the node holds the world weakly).
    func attach(_ context: SimWorldContext) { contextBox.value = WeakContext(context: context) }

    var context: SimWorldContext { contextBox.value.context! }

    var isUp: Bool { state.value.up }
    var engine: CollaborationNode? { state.value.engine }

    /// Boots a fresh engine (first start or restart after a crash).
    func boot() async throws {
        let incarnation = state.update { state -> Int in
            state.incarnation += 1
            return state.incarnation
        }
        let environment = NodeEnvironment(
            clock: context.executor.clock, store: context.store.client(node: index, cpu: cpu),
            backplane: context.broker.client(node: index, name: name),
            seed: context.seed &+ UInt64(index) &* 0x9E37_79B9 &+ UInt64(incarnation))
        let engine = CollaborationNode(configuration: configuration, environment: environment)
        try await engine.start()
        state.update { state in
            state.engine = engine
            state.up = true
        }
    }

    /// Adds the engine's counters to the report's per-node load (before a crash or at the end of a run).
    func harvest() async {
        guard let engine = state.value.engine else { return }
        let metrics = await engine.metrics
        let recorder = context.recorder
        recorder.count("messages.out", node: index, by: metrics.messagesOut)
        recorder.count("commits", node: index, by: metrics.commits)
        recorder.count("append_clashes", node: index, by: metrics.appendClashes)
        recorder.count("gap_fills", node: index, by: metrics.gapFills)
        if metrics.historyStoreReads > 0 {
            recorder.count("history.store_reads", node: index, by: metrics.historyStoreReads)
        }
        if metrics.auditEventsDropped > 0 {
            recorder.count("audit.dropped", node: index, by: metrics.auditEventsDropped)
        }
        recorder.count("store_errors", node: index, by: metrics.storeErrors)
        recorder.count("backplane.errors", node: index, by: metrics.backplaneErrors)
        if metrics.backplaneOutboxDropped > 0 {
            recorder.count("backplane.outbox_dropped", node: index, by: metrics.backplaneOutboxDropped)
        }
        recorder.count("backplane.in", node: index, by: metrics.backplaneIn)
        recorder.count("presence.expired", node: index, by: metrics.presenceExpired)
        recorder.count("conflicts.detected", node: index, by: metrics.conflictsDetected)
        recorder.count("conflicts.auto_resolved", node: index, by: metrics.conflictsAutoResolved)
        recorder.count("conflicts.manual", node: index, by: metrics.conflictsManual)
        recorder.count("slow_consumers_dropped", node: index, by: metrics.slowConsumersDropped)
        // Socket writes, when the model has a per-write cost (`topology.node.per_write`): over `messages.out`,
        // the writes per delivery the real server's `writev` count gives (docs/BENCHMARKS.md).
        let writes = cpu.takeWritesStarted()
        if writes > 0 { recorder.count("writes", node: index, by: writes) }
        // The actor's own time on frames, in µs (its terms as booked, the event loops' share included): over
        // `messages.in`, the mean of the real server's `busy` stage (`tandem_node_stage_seconds{stage="busy"}`).
        let busyMicros = Int(cpu.takeActorBusyNanos() / 1_000)
        if busyMicros > 0 { recorder.count("actor.busy_us", node: index, by: busyMicros) }
    }

    /// The machine dies: the engine stops mid-flight, every connection breaks, memory is gone.
    func crash() async {
        await harvest()
        let (engine, connections) = state.update { state -> (CollaborationNode?, [SimConnection]) in
            defer {
                state.engine = nil
                state.up = false
                state.connections.removeAll()
            }
            return (state.engine, state.connections.keys.sorted().map { state.connections[$0]! })
        }
        for connection in connections { connection.breakConnection() }
        cpu.reset(nowNanos: context.executor.nowNanos)
        await engine?.crash()
    }

    /// Graceful stop at the end of a run (counters were harvested before).
    func shutdown() async {
        let engine = state.update { state -> CollaborationNode? in
            defer {
                state.engine = nil
                state.up = false
            }
            return state.engine
        }
        await engine?.shutdown()
    }

    /// A client's connection arrives; returns false when the node is down or cut off from clients.
    func accept(_ connection: SimConnection, user: UserIdentity) async -> Bool {
        guard let engine = state.value.engine, state.value.up,
              context.network.reachable(.node(index), .clients) else { return false }
        let id = await engine.connect(user: user, transport: connection)
        connection.nodeConnectionID.value = id
        state.update { $0.connections[connection.serial] = connection }
        return true
    }

    /// Breaks every client connection (a partition between this node and its clients).
    func breakConnections() {
        let connections = state.update { state -> [SimConnection] in
            defer { state.connections.removeAll() }
            return state.connections.keys.sorted().map { state.connections[$0]! }
        }
        for connection in connections { connection.breakConnection() }
    }

    /// Serves one inbound frame: decoded on a core, then the actor's turn, then the engine has it.
    func process(_ uplink: Uplink, on connection: SimConnection) async {
        if case .close = uplink { connection.up.close() }
        guard let id = connection.nodeConnectionID.value else { return }
        guard let engine = state.value.engine else { return }
        let now = context.executor.nowNanos
        let doneAt = cpu.inbound(arrivedAt: now)
        context.recorder.count("messages.in", node: index)
        context.recorder.event()
        if doneAt > now { await context.executor.pause(untilNanos: doneAt) }
        switch uplink {
        case .message(let message):
            await engine.receive(message, from: id)
        case .close:
            state.update { _ = $0.connections.removeValue(forKey: connection.serial) }
            await engine.disconnect(id)
        }
    }

    /// Inbound messages waiting for the node actor now.
    var queueDepth: Double { Double(cpu.queueDepth(nowNanos: context.executor.nowNanos)) }

    /// The longest write queue among this node's connections now.
    var writeQueueLongest: Double {
        Double(state.value.connections.values.reduce(0) { max($0, $1.writeQueueCount) })
    }

    func closeAllConnections() {
        let connections = state.update { state -> [SimConnection] in
            defer { state.connections.removeAll() }
            return state.connections.keys.sorted().map { state.connections[$0]! }
        }
        for connection in connections { connection.shutDown() }
    }
}
