import Synchronization
import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario

/// The simulated Redis: a broker every node publishes to, with either Streams or pub/sub semantics.
///
/// `redis-streams`: every envelope is appended to one log and each subscriber reads it from its own
/// cursor, so a node cut off by a partition or an outage receives everything, in order, once it can reach
/// the broker again. `redis-pubsub`: fire-and-forget — a subscriber that cannot be reached when an envelope
/// is published never sees it. In both, a publisher that cannot reach the broker gets an error.
// Why `@unchecked Sendable` is safe: its only mutable state, `state`, is touched by simulated code alone, which runs only
// on the simulation's loop thread, one job or timer at a time (`SimExecutor`). (It was a `Mutex`: an atomic
// read-modify-write at every lock and unlock, on every publish and every pump.)
final class SimBroker: @unchecked Sendable {
    private struct Subscriber {
        var node: Int
        var cursor: Int
        var pipe: SimPipe<LoggedEnvelope>
        /// Entries it had not read were trimmed since it last read: one gap, however many entries.
        var fellBehindCap = false
    }

    private struct State {
        var log: [LoggedEnvelope] = []
        /// Entries before this index are forgotten: read by every subscriber, or past the stream's cap (MAXLEN).
        var trimmed = 0
        var subscribers: [Subscriber] = []
        var outage = false
        /// When the outage under way began.
        var outageStartNanos: Int64 = 0
        /// How many outages have ended (each node's backoff draws are seeded per outage).
        var outagesEnded = 0
        /// After an outage: when each node that is still reconnecting is back (its first attempt past the end).
        var reconnectingUntil: [Int: Int64] = [:]
        /// Each node's link to the broker, carrying its publishes in order.
        var uplinks: [Int: SimPipe<BackplaneEnvelope>] = [:]

        /// Whether `node` has a connection to the broker at `now` (it may be waiting for its next attempt).
        func connected(_ node: Int, now: Int64) -> Bool {
            !outage && (reconnectingUntil[node].map { now >= $0 } ?? true)
        }
    }

    let kind: BrokerKind
    let network: SimNetwork
    let executor: SimExecutor
    let recorder: SimRecorder
    /// The stream's cap (`redis-streams`): past it the oldest entries go, read or not.
    let maxLength: Int
    /// With `--wire`: envelopes travel as backplane JSON.
    let wire: WireRoundTrip?
    /// How many nodes use the broker (each reconnects on its own after an outage).
    let nodeCount: Int
    /// The backoff by which a node reconnects after an outage (the server's Redis reader's and publisher's).
    let reconnectDelayMin: Duration
    let reconnectDelayMax: Duration
    let seed: UInt64
    @exclusivity(unchecked) private var state = LoopLocal(State())

    init(
        kind: BrokerKind, network: SimNetwork, executor: SimExecutor, recorder: SimRecorder,
        maxLength: Int = BackplaneDefaults.streamLengthMax, wire: WireRoundTrip? = nil, nodeCount: Int = 1,
        reconnectDelayMin: Duration = BackplaneDefaults.reconnectDelayMin,
        reconnectDelayMax: Duration = BackplaneDefaults.reconnectDelayMax, seed: UInt64 = 0
    ) {
        self.kind = kind
        self.network = network
        self.executor = executor
        self.recorder = recorder
        self.maxLength = maxLength
        self.wire = wire
        self.nodeCount = nodeCount
        self.reconnectDelayMin = reconnectDelayMin
        self.reconnectDelayMax = reconnectDelayMax
        self.seed = seed
    }

    /// The backplane one node uses.
    func client(node: Int, name: String) -> SimBrokerClient { SimBrokerClient(broker: self, node: node, name: name) }

    var isOut: Bool { state.read { $0.outage } }

    /// Whether `node` can use the broker now: no outage, no partition, and not waiting to reconnect.
    private func usable(by node: Int) -> Bool {
        let now = executor.nowNanos
        return state.read { $0.connected(node, now: now) } && network.reachable(.node(node), .broker)
    }

    /// The broker goes away (every connection to it breaks) or comes back. A node does not notice the return at
    /// once: like the server's Redis reader, it has been trying again since the outage began, after 50 ms, 100 ms,
    /// … up to 2 s (`ReconnectBackoff`, each delay drawn from its upper half), and is back at its first attempt past
    /// the end, by when its missed stream entries flow again. Until then its publishes fail.
    func setOutage(_ out: Bool) {
        let now = executor.nowNanos
        guard out else { return endOutage(now: now) }
        state.update { state in
            state.outage = true
            state.outageStartNanos = now
            state.reconnectingUntil.removeAll()
        }
    }

    private func endOutage(now: Int64) {
        let backs = state.update { state -> [Int64] in
            guard state.outage else { return [] }
            state.outage = false
            state.outagesEnded += 1
            var backs: [Int64] = []
            for node in 0..<nodeCount {
                var draws = SplitMix64.derive(seed: seed, stream: 0x7265_636F_0000 &+ UInt64(state.outagesEnded) << 16
                                                  &+ UInt64(node))
                var backoff = ReconnectBackoff(delayMin: reconnectDelayMin, delayMax: reconnectDelayMax, seed: draws.next())
                var attempt = state.outageStartNanos
                repeat { attempt += backoff.nextDelay().nanosecondsClamped } while attempt < now
                state.reconnectingUntil[node] = attempt
                backs.append(attempt)
            }
            return backs
        }
        for back in Set(backs).sorted() {
            spawn { [self] in
                try? await executor.sleep(untilNanos: back)
                pump()
            }
        }
    }

    /// Sends a publish on the node's link; it lands in the log after the link's latency, unless the broker
    /// is out or the node cut off by then (then it is lost, as a write on a dead connection is).
    func publish(_ envelope: BackplaneEnvelope, from node: Int) throws(BackplaneUnavailable) {
        guard usable(by: node) else {
            recorder.count("broker.publish_failed", node: node)
            throw BackplaneUnavailable(message: "node-\(node + 1) cannot reach the broker")
        }
        let uplink = state.update { state in
            if let pipe = state.uplinks[node] { return pipe }
            let pipe = SimPipe<BackplaneEnvelope>(executor: executor) { [self] envelope in arrive(envelope, from: node) }
            state.uplinks[node] = pipe
            return pipe
        }
        uplink.send(wire?.envelope(envelope) ?? envelope, nowNanos: executor.nowNanos,
                    latencyNanos: network.latencyNanos(.nodeBroker))
    }

    private func arrive(_ envelope: BackplaneEnvelope, from node: Int) {
        guard usable(by: node) else {
            recorder.count("broker.publish_failed", node: node)
            return
        }
        recorder.count("messages.broker", node: nil)
        // Past the cap the oldest entries go (Redis trims in whole nodes, about so many; here exactly). A subscriber
        // that had not read them finds them gone: a gap, which the node's gap fill from the store covers.
        let (entries, gaps) = state.update { state -> (Int, Int) in
            state.log.append(LoggedEnvelope(envelope))
            let over = state.log.count - maxLength
            guard kind == .redisStreams, over > 0 else { return (0, 0) }
            state.log.removeFirst(over)
            state.trimmed += over
            var (entries, gaps) = (0, 0)
            for index in state.subscribers.indices where state.subscribers[index].cursor < state.trimmed {
                entries += state.trimmed - state.subscribers[index].cursor
                state.subscribers[index].cursor = state.trimmed
                if !state.subscribers[index].fellBehindCap {
                    state.subscribers[index].fellBehindCap = true
                    gaps += 1
                }
            }
            return (entries, gaps)
        }
        if entries > 0 { recorder.count("broker.trimmed_unread", node: nil, by: entries) }
        if gaps > 0 { recorder.count("broker.gaps", node: nil, by: gaps) }
        pump()
    }

    func subscribe(node: Int, deliver: @escaping @Sendable (BackplaneEnvelope) async -> Void) {
        add(SimPipe<LoggedEnvelope>(executor: executor) { await deliver($0.envelope) }, for: node)
    }

    /// A node's subscription, its envelopes handed to it from the simulation loop at their delivery times
    /// (``SimPipe``'s target form): no drain task, so no job and no task switch per envelope (each node reads every
    /// other node's envelopes, so in `users-10k` these are twice as many as the deliveries to clients).
    ///
    /// Why that is safe for a node, a default actor: only simulated tasks call it, so the runtime hands its turns to the
    /// simulator's FIFO (`SimGlobalEnqueue`) and they run only on the loop thread, and the loop fires a timer only when
    /// that FIFO is empty and no job runs — the node is idle then, with nothing queued, as ``SimPipe``'s target form
    /// requires of its owner.
    ///
    /// The pipe holds the node until the node unsubscribes (it does when it stops and when it crashes), a new
    /// subscription of the same node replaces it, or the run ends (`closeAll`) — not weakly, as the engine's own
    /// `subscribeWithHop` does: an object anything holds weakly carries a side table, and every retain and release of
    /// it goes through that table (a node actor is retained for every job it runs), and each delivery paid an access
    /// check and a weak load on top (1.5 M deliveries in `users-10k`).
    ///
    /// It takes the node's concrete type so that the pipe's delivery is specialized: generic over the subscriber, every
    /// delivery looked up the pipe's generic metadata at run time (3 % of `scale-1000x10`'s instructions).
    func subscribe(node: Int, subscriber: CollaborationNode) {
        add(SimPipe(executor: executor, owner: subscriber) { subscriber, envelope in
            subscriber.receiveBackplane(envelope.envelope)
        }, for: node)
    }

    private func add(_ pipe: SimPipe<LoggedEnvelope>, for node: Int) {
        let replaced = state.update { state -> [SimPipe<LoggedEnvelope>] in
            let replaced = state.subscribers.filter { $0.node == node }.map(\.pipe)
            state.subscribers.removeAll { $0.node == node }
            state.subscribers.append(Subscriber(node: node, cursor: state.trimmed + state.log.count, pipe: pipe))
            return replaced
        }
        for pipe in replaced { pipe.close() }
    }

    func unsubscribe(node: Int) {
        let pipes = state.update { state -> [SimPipe<LoggedEnvelope>] in
            let gone = state.subscribers.filter { $0.node == node }.map(\.pipe)
            state.subscribers.removeAll { $0.node == node }
            return gone
        }
        for pipe in pipes { pipe.close() }
    }

    /// Moves every reachable subscriber's cursor to the end of the log, sending what it passes; with pub/sub,
    /// an unreachable subscriber's cursor moves too (those envelopes are lost to it).
    func pump() {
        let now = executor.nowNanos
        var lost = 0
        state.update { state in
            let end = state.trimmed + state.log.count
            // Each subscriber's members read in place (a copy of the whole entry retained its pipe for nothing), and
            // each envelope sent from the log as it is passed: no list of sends to fill, copy from and free afterwards
            // (a pipe's `send` touches its own state only and calls no one back here).
            var lowest = end
            for index in state.subscribers.indices {
                let cursor = state.subscribers[index].cursor
                if cursor < end {
                    let node = state.subscribers[index].node
                    if state.connected(node, now: now) && network.reachable(.node(node), .broker) {
                        state.subscribers[index].fellBehindCap = false
                        // Not retained: the subscriber's entry holds it throughout, and a send calls no one back here
                        // (a retain and a release, atomic each, per subscriber per pump).
                        unowned(unsafe) let pipe = state.subscribers[index].pipe
                        for position in cursor..<end {
                            pipe.send(state.log[position - state.trimmed], nowNanos: now,
                                      latencyNanos: network.latencyNanos(.nodeBroker))
                        }
                        state.subscribers[index].cursor = end
                    } else if kind == .redisPubSub {
                        lost += end - cursor
                        state.subscribers[index].cursor = end
                    }
                }
                lowest = min(lowest, state.subscribers[index].cursor)
            }
            if lowest > state.trimmed {
                state.log.removeFirst(lowest - state.trimmed)
                state.trimmed = lowest
            }
        }
        if lost > 0 { recorder.count("broker.lost", node: nil, by: lost) }
    }

    func closeAll() {
        let (subscriptions, uplinks) = state.update { state in
            defer {
                state.subscribers.removeAll()
                state.uplinks.removeAll()
            }
            return (state.subscribers.map(\.pipe), state.uplinks.keys.sorted().map { state.uplinks[$0]! })
        }
        for pipe in subscriptions { pipe.close() }
        for pipe in uplinks { pipe.close() }
    }
}

/// An entry of the simulated stream, shared by every subscriber's pipe: a copy per subscriber is one reference (one
/// atomic retain and release), where the envelope itself is two (its origin and its boxed message).
final class LoggedEnvelope: Sendable {
    let envelope: BackplaneEnvelope

    init(_ envelope: BackplaneEnvelope) { self.envelope = envelope }
}

/// The broker refused a publish (outage or partition).
struct BackplaneUnavailable: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One node's connection to the simulated broker: the `Backplane` the node's engine is given.
struct SimBrokerClient: Backplane {
    let broker: SimBroker
    let node: Int
    let name: String

    func publish(_ envelope: BackplaneEnvelope) async throws {
        try broker.publish(envelope, from: node)
    }

    func subscribe(node name: String, deliver: @escaping @Sendable (BackplaneEnvelope) async -> Void) async throws {
        broker.subscribe(node: node, deliver: deliver)
    }

    func subscribe(node name: String, subscriber: some BackplaneSubscriber) async throws {
        if let engine = subscriber as? CollaborationNode {
            broker.subscribe(node: node, subscriber: engine)
        } else {
            try await subscribeWithHop(node: name, subscriber: subscriber)
        }
    }

    func unsubscribe(node name: String) async { broker.unsubscribe(node: node) }
}
