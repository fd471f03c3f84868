import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario

/// The world a node belongs to, held `unowned`: the world holds the nodes, and a node is never used after its world is
/// gone (every node's work ends in the world's run, which holds the world; an access after that traps, as reading a
/// weak reference with `!` did). Not weak: an object anything holds weakly carries a side table, and every retain and
/// release of it goes through that table (see `ConnectionRef`).
///
/// Safe to share without a lock (hence `@unchecked Sendable`): `context` is written once, by `SimWorldContext.init`
/// attaching its nodes before the run starts, and only read on the simulation thread afterwards (as
/// `ConnectionRef`).
final class ContextRef: @unchecked Sendable {
    unowned var context: SimWorldContext?
}

/// A simulated server node: the real `CollaborationNode` actor plus what a machine adds — a processor
/// (``NodeCPU``: the node actor's serial work and the cores' parallel work, costed as `topology.node` says),
/// bounded write queues on its connections, and a life that can crash and restart (losing everything in
/// memory; the store keeps what was committed).
// Why `@unchecked Sendable` is safe: its only mutable state is `LoopLocal`, which simulated code alone touches, and
// simulated code runs only on the simulation's loop thread, one job or timer at a time (`SimExecutor`).
final class SimNode: @unchecked Sendable {
    private struct State {
        var engine: CollaborationNode?
        var up = false
        var connections: [Int: SimConnection] = [:]
        /// The connections that had a frame wait for their writer since the gauge last found their queue empty: only
        /// these can have a write queue (`writeQueueLongest`). A settle sample visited all 10,000 connections of
        /// `users-10k` once a simulated second, a cache miss each, for queues nearly always empty.
        var backlog: [SimConnection] = []
        /// When the latest write of a frame that had to wait starts: past it, every write queue is empty.
        var backlogLatestStartNanos: Int64 = 0
        var incarnation = 0
    }

    let index: Int
    let name: String
    let configuration: NodeConfiguration
    let cpu: NodeCPU
    /// Frames one connection's write queue holds before the node closes it with 1013.
    var writeQueueMax: Int { configuration.limits.outboundQueueCountMax }
    @exclusivity(unchecked) private var state = LoopLocal(State())
    /// The fan-out frame this node's connections last digested, and its digest (see ``digest(of:)``).
    @exclusivity(unchecked) private var lastDigested = LoopLocal<Digested?>(nil)
    private let contextBox = ContextRef()

    init(index: Int, configuration: NodeConfiguration, costs: NodeCosts, seed: UInt64) {
        self.index = index
        self.name = configuration.nodeID
        self.configuration = configuration
        self.cpu = NodeCPU(costs: costs, seed: seed, node: index)
    }

    /// Connects the node to its world (the world holds the nodes, so the node holds the world `unowned`).
    func attach(_ context: SimWorldContext) { contextBox.context = context }

    var context: SimWorldContext { contextBox.context! }

    var isUp: Bool { state.read { $0.up } }
    var engine: CollaborationNode? { state.read { $0.engine } }

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
        guard let engine else { return }
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
                state.backlog.removeAll()
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
        guard let engine = state.read({ $0.up ? $0.engine : nil }),
              context.network.reachable(.node(index), .clients) else { return false }
        let id = await engine.connect(user: user, transport: connection)
        connection.nodeConnectionID.value = id
        state.update { $0.connections[connection.serial] = connection }
        return true
    }

    /// Breaks every client connection (a partition between this node and its clients).
    func breakConnections() {
        let connections = state.update { state -> [SimConnection] in
            defer {
                state.connections.removeAll()
                state.backlog.removeAll()  // (a connection holds its node: no cycle outlives the connections)
            }
            return state.connections.keys.sorted().map { state.connections[$0]! }
        }
        for connection in connections { connection.breakConnection() }
    }

    /// Takes one inbound frame off `connection` (the node reads it once it is done with the one before): books its
    /// decode on a core and its turn on the actor, and returns it with when that turn ends (nil: the frame is
    /// dropped — the connection was never accepted, or the node is down).
    func take(_ uplink: Uplink, on connection: SimConnection) -> InboundFrame? {
        if case .close = uplink { connection.closeUplink() }
        guard let id = connection.nodeConnectionID.value else { return nil }
        guard let engine else { return nil }
        let now = context.executor.nowNanos
        let doneAt = cpu.inbound(arrivedAt: now)
        context.recorder.count("messages.in", node: index)
        context.recorder.event()
        return InboundFrame(uplink: uplink, connectionID: id, engine: engine, turnEndsAtNanos: doneAt)
    }

    /// The engine handles `frame` now, if it can without waiting (see `receiveOnLoop`): true when it did. Call only
    /// from a timer the simulation loop fires (``SimTimerTarget``).
    func handleOnLoop(_ frame: InboundFrame) -> Bool {
        guard case .message(let message) = frame.uplink else { return false }
        return receiveOnLoop(frame.engine, message, frame.connectionID)
    }

    /// The engine handles `frame`, waiting as it needs (the store, a record's gate). Called on a task started for this
    /// frame alone (`SimConnection`), which the engine is told: it handles the frame on it, not on a child task.
    func handle(_ frame: InboundFrame, on connection: SimConnection) async {
        switch frame.uplink {
        case .message(let message):
            await frame.engine.receive(message, from: frame.connectionID, onTaskOfItsOwn: true)
        case .close:
            state.update { _ = $0.connections.removeValue(forKey: connection.serial) }
            await frame.engine.disconnect(frame.connectionID)
        }
    }

    /// Inbound messages waiting for the node actor now.
    var queueDepth: Double { Double(cpu.queueDepth(nowNanos: context.executor.nowNanos)) }

    /// The longest write queue among this node's connections now (the connections it holds: one it let go of, closed
    /// or broken, no longer counts).
    var writeQueueLongest: Double {
        let now = context.executor.nowNanos
        return Double(state.update { state -> Int in
            // Most samples: every frame that waited has started its write (the queues hold a frame for microseconds).
            guard state.backlogLatestStartNanos > now else { return 0 }
            var longest = 0
            state.backlog.removeAll { connection in
                let count = connection.writeQueueCountLeavingBacklog(nowNanos: now)
                if count > 0, state.connections[connection.serial] === connection { longest = max(longest, count) }
                return count == 0
            }
            return longest
        })
    }

    /// The trace digest of a fan-out frame (`DeliveryDigest`), once per frame: a node sends a frame to its recipients one
    /// after another, so the frame it digested last is nearly always the one asked for. Held strongly while it is the
    /// last, so no later frame can take its address. (Through the frame's own cache, each recipient took its lock, an
    /// atomic pair, and looked up the cache box's generic class at run time: about 400 instructions per delivery.)
    func digest(of frame: SharedFrame) -> UInt64 {
        let id = ObjectIdentifier(frame)
        if let digest = lastDigested.read({ $0?.id == id ? $0?.digest : nil }) { return digest }
        let digest = DeliveryDigest.of(frame.message)
        lastDigested.value = Digested(id: id, frame: frame, digest: digest)
        return digest
    }

    private struct Digested {
        let id: ObjectIdentifier
        let frame: SharedFrame
        let digest: UInt64
    }

    /// A frame of `connection` waits for its writer until `startsAtNanos`; `joins` when the connection is not in the
    /// backlog yet.
    func noteWaiting(_ connection: SimConnection, joins: Bool, startsAtNanos: Int64) {
        state.update { state in
            if joins { state.backlog.append(connection) }
            state.backlogLatestStartNanos = max(state.backlogLatestStartNanos, startsAtNanos)
        }
    }

    func closeAllConnections() {
        let connections = state.update { state -> [SimConnection] in
            defer {
                state.connections.removeAll()
                state.backlog.removeAll()  // (a connection holds its node: no cycle outlives the connections)
            }
            return state.connections.keys.sorted().map { state.connections[$0]! }
        }
        lastDigested.value = nil
        for connection in connections { connection.shutDown() }
    }
}

/// A frame a node took off a connection: for the engine it was taken for (a crash during its turn does not hand it to
/// the next one).
struct InboundFrame: Sendable {
    let uplink: Uplink
    let connectionID: String
    let engine: CollaborationNode
    /// When the node's actor is done with its turn on the frame (its `per_message`, after the decode).
    let turnEndsAtNanos: Int64
}

/// `CollaborationNode.receiveWithoutWaiting`, called as the node from the simulation loop, outside any job. Why that
/// is safe is written on `SimBroker.subscribe(node:subscriber:)` and `SimPipe.init(executor:owner:deliver:)`:
/// the node is a default actor whose jobs run only through the simulator's FIFO, and the loop fires a timer only when
/// that FIFO is empty and no job runs, so the node is idle then with nothing queued; the call is synchronous, so it
/// cannot suspend while "inside". The cast is the one those make.
private let receiveOnLoop = unsafeBitCast(
    { node, message, id in node.receiveWithoutWaiting(message, from: id) }
        as @Sendable (isolated CollaborationNode, ClientMessage, String) -> Bool,
    to: (@Sendable (CollaborationNode, ClientMessage, String) -> Bool).self)
