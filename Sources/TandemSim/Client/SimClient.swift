import OrderedCollections
import TandemCore
import TandemEngine
import TandemReport
import TandemRuntime
import TandemScenario

/// One simulated person in a browser: connects to a node, joins records, and thinks, types, sets fields,
/// moves the cursor, comments and settles conflicts as its scenario group's behaviour says, speaking the
/// protocol as typed messages.
///
/// It keeps the ot.js client state per text field, checks that every record version arrives in order,
/// reconnects (with backoff, to another node if its own is down) and resyncs after a break.
public actor SimClient {
    public nonisolated let index: Int
    public nonisolated let name: String
    public nonisolated let user: UserIdentity
    let behavior: Behavior
    let picker: RecordPicker
    let model: ModelSchema
    let homeNode: Int
    /// The client's population group, by its place in the scenario.
    let groupIndex: Int
    let environment: ClientEnvironment
    var random: SplitMix64
    /// The client's executor: the environment's (a live run's event loop), or else that of an actor of its own,
    /// so that in the simulator a client is scheduled exactly as a default actor is.
    public nonisolated let unownedExecutor: UnownedSerialExecutor
    /// Keeps the own actor whose executor the client borrows (an `UnownedSerialExecutor` does not retain it).
    private nonisolated let executorOwner: DefaultExecutorOwner?
    /// The simulator's executor when the client runs on one (`environment.executor`, cast once): where `reading` may read
    /// the client in place, and what its connections and heartbeat timer check it runs on.
    nonisolated let loopExecutor: SimExecutor?

    // Why the state every message or action touches is `@exclusivity(unchecked)`: it is touched only in the client's
    // isolation, one job (or one loop call, see `SimPipe`) at a time, and every access to it is one statement that
    // calls out to nothing that can reach the same member (a read, a write, or a mutating call on the member's own
    // value: a dictionary's, an optional's), and no member is passed `inout`; the views are classes, changed through
    // their own members (`RecordView`). So the run-time exclusivity check on every access to an actor's stored
    // property can never fire on them, and it cost about 0.7 % of a 10,000-user simulation's instructions.
    @exclusivity(unchecked) var connection: (any ClientConnection)? { didSet { stamp = ChangeStamp.next() } }
    @exclusivity(unchecked) public internal(set) var connected = false { didSet { stamp = ChangeStamp.next() } }
    @exclusivity(unchecked) var views: OrderedDictionary<RecordKey, RecordView> = [:] {
        didSet {
            stamp = ChangeStamp.next()
            lastView = nil
        }
    }
    /// The view `view(_:)` found last, with its session id (see there); forgotten whenever `views` changes.
    @exclusivity(unchecked) var lastView: (sessionID: String, view: RecordView)?
    @exclusivity(unchecked) var current: RecordKey?
    var changeCount = 0
    /// When the action being carried out was due (latencies are measured from it; in the simulator it is now).
    @exclusivity(unchecked) var actNanos: Int64 = 0
    @exclusivity(unchecked) var active = false
    @exclusivity(unchecked) var departed = false { didSet { stamp = ChangeStamp.next() } }
    /// When false, a broken connection is not re-established (a disconnect fault without reconnect_after).
    var reconnectAllowed = true { didSet { stamp = ChangeStamp.next() } }
    var reconnectAttempts = 0
    /// Taken afresh whenever what the convergence checks read of the client itself changes (its connection state and
    /// its views; each view stamps its own contents): see `checkStamp`.
    @exclusivity(unchecked) private(set) var stamp = ChangeStamp.next()
    var heartbeat: Duration = .seconds(2)
    /// When this client last sent anything to its node (`send(on:_:)`).
    @exclusivity(unchecked) var lastSentNanos: Int64 = 0
    /// The heartbeat of the current connection, from its confirmation until it closes (`startHeartbeat`).
    var heartbeatTask: Task<Void, Never>?
    /// The same in the simulator, as a timer the loop calls (`HeartbeatTimer`).
    var heartbeatTimer: HeartbeatTimer?
    /// The act loop, cancelled when the run ends; short timers (debounce, conflict think time,
    /// handshake) are not kept and simply finish.
    var tasks: [Task<Void, Never>] = []
    var reconnectTask: Task<Void, Never>?

    public init(
        index: Int, user: UserIdentity, group: PopulationGroup, groupIndex: Int, model: ModelSchema, homeNode: Int,
        environment: ClientEnvironment
    ) {
        self.groupIndex = groupIndex
        self.index = index
        self.name = user.username
        self.user = user
        self.behavior = group.behavior
        self.picker = RecordPicker(group.records)
        self.model = model
        self.homeNode = homeNode
        self.environment = environment
        self.random = SplitMix64.derive(seed: environment.seed, stream: 0x1_0000_0000 &+ UInt64(index))
        loopExecutor = environment.executor as? SimExecutor
        if let executor = environment.executor {
            executorOwner = nil
            unownedExecutor = executor.asUnownedSerialExecutor()
        } else {
            let owner = DefaultExecutorOwner()
            executorOwner = owner
            unownedExecutor = owner.unownedExecutor
        }
    }

    var now: Int64 { environment.clock.nowNanos }

    var recorder: SimRecorder { environment.recorder }

    /// Who measures a latency sample taken now: this client, on the node it is connected to.
    var origin: SimRecorder.Origin { SimRecorder.Origin(node: connection?.node ?? homeNode, group: groupIndex) }

    var textFields: [String] { model.fields.values.filter { $0.type == .text }.map(\.name) }

    /// A record to work on, by the group's pick distribution: records are numbered 1…count, as scenario files
    /// (and `delete_record`) name them.
    func pickRecord() -> RecordKey {
        RecordKey(model: model.name, recordID: String(picker.pickRank(using: &random)))
    }

    // MARK: Life cycle (driven by the world)

    /// Arrives: picks a record, connects to its home node, and starts thinking.
    public func arrive() {
        active = true
        current = pickRecord()
        connect(to: homeNode)
        tasks.append(spawn { me in await me.actLoop() })
    }

    /// Stops acting (the end of `duration`); keeps its connection and keeps answering.
    public func stopActing() { active = false }

    /// Leaves for good (a ramp down): leaves its sessions and hangs up.
    public func depart() {
        active = false
        departed = true
        recorder.clientSettled(index)
        if let connection, connected {
            for key in views.keys where views[key]!.joined {
                send(on: connection, .leaveCollaboration(LeaveCollaboration(sessionID: key.sessionID)))
            }
            connection.hangUp()
        }
        connection = nil
        connected = false
        stopHeartbeat()
        views.removeAll()
    }

    /// A disconnect fault: the browser's network drops (no close frame reaches the node, which must notice
    /// by heartbeat expiry) and, if told to, the browser comes back after `after` and resyncs.
    public func dropConnection(reconnectAfter after: Duration?) {
        guard let connection, !departed else { return }
        connection.shutDown()
        self.connection = nil
        connected = false
        stopHeartbeat()
        for key in views.keys { views[key]!.joined = false }
        recorder.trace(.disconnect, from: index, to: connection.node)
        reconnectAllowed = after != nil
        if let after { scheduleReconnect(after: after) }
    }

    /// The end of the run: hang up and stop every loop.
    public func finish() {
        active = false
        departed = true
        connection?.shutDown()
        connection = nil
        connected = false
        for task in tasks { task.cancel() }
        tasks.removeAll()
        stopHeartbeat()
        reconnectTask?.cancel()
        reconnectTask = nil
    }

    // MARK: Connecting

    func connect(to node: Int) {
        let connection = environment.links.connection(from: self, index: index, to: node)
        self.connection = connection
        spawn { me in await me.handshake(connection) }
    }

    /// The connection this client holds now, if any (live faults act on its socket).
    public var currentConnection: (any ClientConnection)? { connection }

    /// Whether `connection` is still the one this client wants (it may have dropped or replaced it meanwhile).
    public func isCurrent(_ connection: any ClientConnection) -> Bool { self.connection === connection }

    private func handshake(_ connection: any ClientConnection) async {
        let accepted = await connection.establish(as: user, for: self)
        guard self.connection === connection else {
            // Let go of while connecting (the client departed): unless the node took it (and closes it when its
            // heartbeat expires, or at the end), nothing else would close its pipes, and they hold it (`ConnectionRef`).
            if accepted != true { connection.shutDown() }
            return
        }
        guard let accepted else { return }
        if !accepted {
            connection.shutDown()
            self.connection = nil
            recorder.count("connect.refused", node: connection.node)
            scheduleReconnect(after: backoff())
        }
    }

    private func backoff() -> Duration {
        reconnectAttempts += 1
        let ceiling = min(5_000, 250 << min(reconnectAttempts, 5))
        return .milliseconds(125 + Int(random.nextDouble() * Double(ceiling)))
    }

    private func scheduleReconnect(after delay: Duration) {
        guard !departed else { return }
        reconnectTask?.cancel()
        reconnectTask = spawn { me in
            do { try await me.environment.clock.sleep(for: delay, isolation: me) } catch { return }
            me.reconnect()
        }
    }

    private func reconnect() {
        guard !departed, connection == nil, reconnectAllowed else { return }
        recorder.count(MetricsRecorder.CounterName.reconnects, node: nil)
        let node = (homeNode + reconnectAttempts) % environment.links.nodeCount
        connect(to: node)
    }

    // MARK: Receiving

    public func receive(_ downlink: Downlink, on connection: any ClientConnection) {
        guard connection === self.connection else { return }
        switch downlink {
        case .closed(let code):
            if code == 1013 { recorder.count("client.closed.1013", node: nil) }
            connection.shutDown()
            self.connection = nil
            connected = false
            stopHeartbeat()
            for key in views.keys { views[key]!.joined = false }
            if reconnectAllowed && !departed { scheduleReconnect(after: backoff()) }
        case .message(let message):
            recorder.trace(.delivery, from: connection.node, to: index, payload: Self.tracePayload(message))
            handle(message, on: connection)
        case .shared(let message, let digest):
            recorder.trace(.delivery, from: connection.node, to: index, payload: digest)
            handle(message, on: connection)
        }
    }

    /// What the trace keeps of a delivery: a digest of the message's type and content (`DeliveryDigest`).
    static func tracePayload(_ message: ServerMessage) -> UInt64 { DeliveryDigest.of(message) }
}

/// An actor with nothing in it, whose default executor a simulated client borrows.
private actor DefaultExecutorOwner {}
