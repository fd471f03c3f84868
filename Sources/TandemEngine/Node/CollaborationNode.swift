import OrderedCollections
import TandemCore
import TandemRuntime

/// One collaboration server node: it owns the sessions and connections it serves, orders each record's
/// changes through the store, fans them out, and talks to other nodes through the backplane.
///
/// The same actor serves production sockets and simulated clients; everything that differs (clock, store,
/// backplane, transports) is injected. It starts tasks only through `spawn`, so under the simulator every
/// task stays on the simulator's executor. Every committed change is durable before its `ack`.
public actor CollaborationNode: BackplaneSubscriber {
    public let configuration: NodeConfiguration
    let environment: NodeEnvironment
    // Why the state every message touches is `@exclusivity(unchecked)` (here, and in `SessionState` and
    // `ConnectionState`, which only this actor holds): it is touched only in the actor's isolation, one job at a
    // time, and every access to it is one statement that calls out to nothing that can reach the same member — a
    // read, a write, or a mutating call on the member's own value (a dictionary's, a deque's, a `RecordState`'s,
    // a `PresenceTable`'s, a `TokenBucket`'s), none of which calls back into the node; no member is passed `inout`.
    // So the run-time exclusivity check Swift makes on every access to a class's (and so an actor's) stored property
    // can never fire on them, and it cost 3 % of a 10,000-user simulation's instructions (callgrind,
    // docs/BENCHMARKS.md, *Simulator*), two checks for every envelope a node receives from the backplane.
    @exclusivity(unchecked) var connections: OrderedDictionary<String, ConnectionState> = [:]
    @exclusivity(unchecked) var sessions: [RecordKey: SessionState] = [:] { didSet { sessionsStamp = ChangeStamp.next() } }
    /// Taken afresh whenever a session is added or removed (see `recordsStamp`).
    private var sessionsStamp = ChangeStamp.next()
    /// `sessions`' keys in order, as of `sessionsStamp` (see `sortedSessionKeys`).
    private var sortedSessions: (stamp: UInt64, keys: [RecordKey]) = (0, [])
    @exclusivity(unchecked) var gates: [RecordKey: RecordGate] = [:]
    var connectionCounter = 0
    var idCounter = 0
    var auditBuffer: [AuditEvent] = []
    /// A flush the buffer's size asked for is spawned or has failed: no more are spawned until a flush succeeds
    /// (the heartbeat retries), so a failing store costs one attempt per heartbeat, not one per event.
    var auditFlushPending = false
    var outbox: BackplaneOutbox?
    var tasks: [Task<Void, Never>] = []
    @exclusivity(unchecked) var running = false
    /// Jitter for retry backoff; seeded from the environment, so simulated runs stay reproducible.
    var random: SplitMix64
    /// This boot of the node, drawn from its seed: part of every id the node makes (connections, change ids,
    /// comments, resolutions), so ids made after a restart never repeat those of an earlier boot. The store
    /// recognises a retried change by its id, so a repeated id would be acked as a duplicate and never committed.
    public nonisolated let epoch: String
    @exclusivity(unchecked) public internal(set) var metrics = NodeMetrics()

    public init(configuration: NodeConfiguration, environment: NodeEnvironment) {
        self.configuration = configuration
        self.environment = environment
        self.random = SplitMix64.derive(seed: environment.seed, stream: 0x6E6F6465)
        self.epoch = Self.makeEpoch(seed: environment.seed)
    }

    /// Eight hex digits from their own stream of the seed, so drawing them does not shift the jitter draws.
    static func makeEpoch(seed: UInt64) -> String {
        var generator = SplitMix64.derive(seed: seed, stream: 0x6570_6F63_68)
        let bits = String(UInt32(truncatingIfNeeded: generator.next()), radix: 16)
        return String(repeating: "0", count: 8 - bits.count) + bits
    }

    public var nodeID: String { configuration.nodeID }

    /// Subscribes to the backplane and starts the publisher and heartbeat loops.
    public func start() async throws {
        precondition(!running, "node \(nodeID) started twice")
        running = true
        let outbox = BackplaneOutbox(capacity: configuration.limits.backplaneOutboxCountMax)
        self.outbox = outbox
        let backplane = environment.backplane
        tasks.append(spawn { me in
            while let envelope = await outbox.next() {
                do {
                    try await backplane.publish(envelope)
                } catch {
                    me.metrics.backplaneErrors += 1
                }
            }
        })
        try await backplane.subscribe(node: nodeID, subscriber: self)
        tasks.append(spawn { me in await me.heartbeatLoop() })
    }

    /// Stops the node: closes every connection with 1001 (going away), flushes the audit log, unsubscribes.
    public func shutdown() async {
        guard running else { return }
        running = false
        for id in Array(connections.keys) {
            connections[id]?.transport.close(code: 1001, reason: "server shutting down")
            await disconnect(id)
        }
        await flushAudit()
        outbox?.finish()
        outbox = nil
        for task in tasks { task.cancel() }
        tasks.removeAll()
        await environment.backplane.unsubscribe(node: nodeID)
    }

    /// Stops the node the way a crash does: no goodbyes, nothing flushed, tasks cancelled.
    public func crash() async {
        running = false
        outbox?.finish()
        outbox = nil
        for task in tasks { task.cancel() }
        tasks.removeAll()
        connections.removeAll()
        sessions.removeAll()
        await environment.backplane.unsubscribe(node: nodeID)
    }

    // MARK: Connections

    /// Accepts an authenticated connection and sends `connection_confirmed`; returns its id.
    public func connect(user: UserIdentity, transport: any ClientTransport) -> String {
        connectionCounter += 1
        let id = "\(nodeID)/\(epoch)/c\(connectionCounter)"
        let now = environment.clock.nowNanos()
        connections[id] = ConnectionState(
            id: id, user: user, transport: transport,
            bucket: TokenBucket(ratePerSecond: configuration.limits.messagesPerSecond,
                                burst: configuration.limits.messageBurst, nowNanos: now))
        metrics.connectionsOpened += 1
        send(.connectionConfirmed(Messages.confirmed(connectionID: id, user: user.ref,
            serverTimeMillis: environment.clock.wallMillis(), heartbeat: configuration.heartbeatInterval)), to: id)
        return id
    }

    /// Forgets a connection: it leaves every session it joined (others see `user_left` if it was the user's last).
    public func disconnect(_ id: String) async {
        guard let connection = connections[id] else { return }
        for key in connection.sessions.keys.sorted() { leaveSession(key, connection: id) }
        connections.removeValue(forKey: id)
        metrics.connectionsClosed += 1
    }

    /// Handles a decoded client frame; `arrivedNanos` (the node clock's time when it was decoded) times its wait
    /// for the actor (`NodeStage.queueWait`).
    ///
    /// `onTaskOfItsOwn`: the caller runs this on a task that ends with the frame (the simulator starts one per frame
    /// that waits), so a frame that waits is handled right here rather than in a child task (see `dispatch`): the
    /// child is there to free the frame's async frames when it ends, which the caller's task does then anyway. A
    /// server's connection reads all its frames on one long-lived task and leaves it false.
    public func receive(
        _ message: ClientMessage, from id: String, arrivedNanos: Int64? = nil, onTaskOfItsOwn: Bool = false
    ) async {
        guard let connection = connections[id] else { return }
        metrics.messagesIn += 1
        let now = environment.clock.nowNanos()
        if let stages = environment.stages {
            if let arrivedNanos { stages.observe(.queueWait, nanos: now - arrivedNanos) }
            let waits = NodeWaits()
            await NodeWaits.$current.withValue(waits) {
                await admit(message, from: connection, nowNanos: now, onTaskOfItsOwn: onTaskOfItsOwn)
            }
            let handled = environment.clock.nowNanos() - now
            stages.observe(.handle, nanos: handled)
            stages.observe(.busy, nanos: handled - waits.nanos)
        } else {
            await admit(message, from: connection, nowNanos: now, onTaskOfItsOwn: onTaskOfItsOwn)
        }
    }

    /// `receive` for a frame whose handling never waits (`ping`, `cursor`, `leave_collaboration`: see `dispatch`),
    /// done at once, synchronously: returns true. Returns false, having done nothing, for any other frame, and when
    /// the node times its stages (`NodeEnvironment.stages`): then call `receive`. For a caller already on the node
    /// that has no use for a suspension point (the simulator hands a node its frames from its loop).
    public func receiveWithoutWaiting(_ message: ClientMessage, from id: String) -> Bool {
        guard !message.handlingAwaits, environment.stages == nil else { return false }
        guard let connection = connections[id] else { return true }
        metrics.messagesIn += 1
        if admitted(message, from: connection, nowNanos: environment.clock.nowNanos()) {
            handleAtOnce(message, from: connection)
        }
        return true
    }

    /// The connection is looked up once per frame (its id is a string to hash): what follows takes it as found.
    private func admit(
        _ message: ClientMessage, from connection: ConnectionState, nowNanos now: Int64, onTaskOfItsOwn: Bool
    ) async {
        guard admitted(message, from: connection, nowNanos: now) else { return }
        await dispatch(message, from: connection, onTaskOfItsOwn: onTaskOfItsOwn)
    }

    /// The rate limit (a breach when the connection's bucket is empty: false), then the connection's heartbeat.
    private func admitted(_ message: ClientMessage, from connection: ConnectionState, nowNanos now: Int64) -> Bool {
        guard connection.bucket.take(nowNanos: now) else {
            metrics.rateLimited += 1
            breach(connection.id, code: .rateLimited, message: "more than \(Int(configuration.limits.messagesPerSecond)) messages per second", rid: message.rid)
            return false
        }
        touch(connection, nowNanos: now)
        return true
    }

    /// A transport-level sign of life that carries no message (a Socket.IO pong): counts as a heartbeat.
    public func heard(from id: String) {
        touch(id, nowNanos: environment.clock.nowNanos())
    }

    /// Answers a frame that could not be decoded; repeated breaches close the connection (1008).
    public func receiveInvalid(code: ErrorCode, message: String, rid: RequestID?, from id: String) {
        guard connections[id] != nil else { return }
        metrics.messagesIn += 1
        touch(id, nowNanos: environment.clock.nowNanos())
        breach(id, code: code, message: message, rid: rid)
    }

    func breach(_ id: String, code: ErrorCode, message: String, rid: RequestID?) {
        sendError(code, message, rid: rid, to: id)
        connections[id]?.breaches += 1
        if let breaches = connections[id]?.breaches, breaches > configuration.limits.breachesBeforeCloseMax {
            connections[id]?.transport.close(code: 1008, reason: "too many invalid or excess messages")
            let sessionKeys = connections[id]?.sessions.keys.sorted() ?? []
            for key in sessionKeys { leaveSession(key, connection: id) }
            connections.removeValue(forKey: id)
            metrics.connectionsClosed += 1
        }
    }

    func touch(_ id: String, nowNanos: Int64) {
        guard let connection = connections[id] else { return }
        touch(connection, nowNanos: nowNanos)
    }

    /// The connection is heard from now in every session it joined.
    private func touch(_ connection: ConnectionState, nowNanos: Int64) {
        for key in connection.sessions.keys {
            sessions[key]?.presence.touch(connection: connection.id, of: connection.user.id, nowNanos: nowNanos)
        }
    }

    /// Handles one admitted message. Those that await (the store, a record's gate) run in a child task of the
    /// connection's (an `async let`), whose async frames are freed when it ends: a task keeps the slabs of its deepest
    /// frames until it ends, so on the connection's own task the frames of join, commit, append and the store's calls
    /// stayed allocated for as long as the connection lived — about 12 KB for every connection that ever joined and
    /// changed a field (docs/BENCHMARKS.md, *Simulator*). The connection still waits for each message before the next.
    /// On a task of its own (`receive(onTaskOfItsOwn:)`) there is nothing to free early, and the child task and the two
    /// hops through it are saved (a tenth of a 10,000-user simulation's jobs).
    private func dispatch(_ message: ClientMessage, from connection: ConnectionState, onTaskOfItsOwn: Bool) async {
        if message.handlingAwaits {
            let id = connection.id
            if onTaskOfItsOwn { return await handleAwaiting(message, from: id) }
            async let handled: Void = handleAwaiting(message, from: id)
            await handled
        } else {
            handleAtOnce(message, from: connection)
        }
    }

    /// The messages whose handling never waits; see `dispatch`.
    private func handleAtOnce(_ message: ClientMessage, from connection: ConnectionState) {
        switch message {
        case .leaveCollaboration(let leave): handleLeave(leave, from: connection.id)
        case .cursor(let cursor): handleCursor(cursor, from: connection.id)
        case .ping(let ping):
            send(.pong(Messages.pong(serverTimeMillis: environment.clock.wallMillis(), rid: ping.rid)), to: connection)
        case .joinCollaboration, .fieldChange, .comment, .resolveConflict, .rollback, .resync: break
        }
    }

    /// The messages whose handling awaits; see `dispatch`.
    private func handleAwaiting(_ message: ClientMessage, from id: String) async {
        switch message {
        case .joinCollaboration(let join): await handleJoin(join, from: id)
        case .fieldChange(let change): await handleFieldChange(change, from: id)
        case .comment(let comment): await handleComment(comment, from: id)
        case .resolveConflict(let resolve): await handleResolve(resolve, from: id)
        case .rollback(let rollback): await handleRollback(rollback, from: id)
        case .resync(let resync): await handleResync(resync, from: id)
        case .leaveCollaboration, .cursor, .ping: break
        }
    }

    // MARK: Sending

    /// Sends to one local connection; a full outbound queue drops the connection (slow consumer).
    func send(_ message: ServerMessage, to id: String) {
        enqueue(to: id) { $0.send(message) }
    }

    /// Sends one message of a fan-out: every recipient gets the same `frame` (encoded once by the server).
    func send(_ frame: SharedFrame, to id: String) {
        enqueue(to: id) { $0.send(frame) }
    }

    private func enqueue(to id: String, _ send: (any ClientTransport) -> Bool) {
        guard let connection = connections[id] else { return }
        enqueue(to: connection, send)
    }

    /// Sends to a connection the caller already looked up.
    func send(_ message: ServerMessage, to connection: ConnectionState) {
        enqueue(to: connection) { $0.send(message) }
    }

    /// Sends one message of a fan-out to a connection the caller already looked up.
    func send(_ frame: SharedFrame, to connection: ConnectionState) {
        enqueue(to: connection) { $0.send(frame) }
    }

    private func enqueue(to connection: ConnectionState, _ send: (any ClientTransport) -> Bool) {
        let id = connection.id
        metrics.messagesOut += 1
        if !send(connection.transport) {
            metrics.slowConsumersDropped += 1
            connection.transport.close(code: 1013, reason: "outbound queue full: slow consumer")
            for key in connection.sessions.keys.sorted() { leaveSession(key, connection: id) }
            connections.removeValue(forKey: id)
            metrics.connectionsClosed += 1
        }
    }

    func sendError(_ code: ErrorCode, _ message: String, rid: RequestID?, to id: String) {
        metrics.errorsSent += 1
        send(.error(Messages.error(code, message, rid: rid)), to: id)
    }

    /// Sends to every local connection in a session, in join order, except `excluded`.
    func broadcastLocal(_ key: RecordKey, _ message: ServerMessage, except excluded: String? = nil) {
        guard let targets = sessions[key]?.localConnections.keys else { return }
        let frame = SharedFrame(message)
        for id in targets where id != excluded { send(frame, to: id) }
    }

    /// Queues a message for the backplane; when the outbox is full its oldest message is dropped and counted.
    func publish(_ message: BackplaneMessage) {
        metrics.backplaneOut += 1
        if outbox?.offer(BackplaneEnvelope(origin: nodeID, message: message)) == .dropped {
            metrics.backplaneOutboxDropped += 1
        }
    }

    func nextID(_ prefix: String) -> String {
        idCounter += 1
        return "\(prefix)-\(nodeID)-\(epoch)-\(idCounter)"
    }

    func audit(_ event: AuditEvent) {
        auditBuffer.append(event)
        capAuditBacklog()
        if auditBuffer.count >= configuration.limits.auditBufferCountMax, !auditFlushPending {
            auditFlushPending = true
            spawn { me in await me.flushAudit() }
        }
    }

    func flushAudit() async {
        guard !auditBuffer.isEmpty else { return }
        let batch = auditBuffer
        auditBuffer.removeAll()
        do {
            try await environment.store.appendAudit(batch)
            auditFlushPending = false
        } catch {
            metrics.storeErrors += 1
            auditBuffer.insert(contentsOf: batch, at: 0)
            capAuditBacklog()
        }
    }

    /// While the store refuses audit events they wait here, up to `auditBacklogCountMax`; past it the oldest are
    /// dropped and counted (`auditEventsDropped`), so a long outage costs bounded memory and says what it lost.
    private func capAuditBacklog() {
        let over = auditBuffer.count - configuration.limits.auditBacklogCountMax
        guard over > 0 else { return }
        auditBuffer.removeFirst(over)
        metrics.auditEventsDropped += over
    }

    // MARK: Record gates

    func enterGate(_ key: RecordKey) async {
        if gates[key, default: RecordGate()].enter() { return }
        let start = environment.stages == nil ? 0 : environment.clock.nowNanos()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            gates[key]!.wait(continuation)
        }
        if environment.stages != nil { NodeWaits.current?.add(environment.clock.nowNanos() - start) }
    }

    func leaveGate(_ key: RecordKey) {
        gates[key]!.leave()
        if gates[key]!.isIdle { gates.removeValue(forKey: key) }
    }

    // MARK: Inspection (simulator checkers, server status)

    /// The record as this node currently holds it, if it serves the record.
    public func record(_ key: RecordKey) -> RecordState? { sessions[key]?.record }

    /// This node's copies of `keys`, in their order (nil where it holds no session): one call for a checker that
    /// reads them all.
    public func records(_ keys: [RecordKey]) -> [RecordState?] { keys.map { sessions[$0]?.record } }

    /// The keys of the sessions this node holds, in order: sorted again only when a session has come or gone since the
    /// last call (the heartbeat walks them in order every interval, and most intervals change none).
    func sortedSessionKeys() -> [RecordKey] {
        if sortedSessions.stamp != sessionsStamp { sortedSessions = (sessionsStamp, sessions.keys.sorted()) }
        return sortedSessions.keys
    }

    /// A stamp that moves whenever any of this node's copies of records changes, or it starts or stops holding one
    /// (the largest of its sessions' ``ChangeStamp``s): a checker that compared this node's copies under this stamp
    /// would find the same again.
    public var recordsStamp: UInt64 {
        var largest = sessionsStamp
        for session in sessions.values where session.recordStamp > largest { largest = session.recordStamp }
        return largest
    }

    /// The participants this node shows for a session.
    public func participants(_ key: RecordKey) -> [Participant] { sessions[key]?.presence.participants ?? [] }

    public var connectionCount: Int { connections.count }
    public var sessionCount: Int { sessions.count }

    /// Every session this node serves with the participants it shows, by record (the server's dashboard).
    public var activeSessions: [RecordKey: [Participant]] { sessions.mapValues { $0.presence.participants } }
}

extension ClientMessage {
    /// Whether the node's handling of this message can wait (the store, a record's gate): `dispatch` runs those in
    /// a child task (or in place, on a task of their own), the others at once (`receiveWithoutWaiting` takes only
    /// those).
    var handlingAwaits: Bool {
        switch self {
        case .joinCollaboration, .fieldChange, .comment, .resolveConflict, .rollback, .resync: true
        case .leaveCollaboration, .cursor, .ping: false
        }
    }
}
