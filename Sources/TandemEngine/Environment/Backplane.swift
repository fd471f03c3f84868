import TandemCore

/// A presence change that other nodes must show their own clients.
public enum PresenceNotice: Sendable, Hashable {
    case joined(UserRef, connection: String)
    case left(connection: String)
    case cursor(UserRef, connection: String, field: String, state: CursorState, position: CursorPosition?)
}

/// What one node tells the others. The backplane only notifies: the store stays the truth, and a node that
/// sees a version gap fills it from the store, so a lost notification delays but never diverges.
///
/// `indirect` so that handing one message to every subscriber copies a box, not every field of a change.
public indirect enum BackplaneMessage: Sendable, Hashable {
    /// A change committed (durable) at its version.
    case committed(ChangeEntry)
    case presence(RecordKey, PresenceNotice)
    /// The connections a node holds per session, sent every heartbeat so others can expire a dead node's users.
    case presenceHeartbeat([PresenceHeartbeatSession])
    case comment(RecordKey, Comment)
    case conflictResolved(ConflictRecord)
}

extension BackplaneMessage {
    /// The record of a committed change (nil for any other message).
    var committedKey: RecordKey? {
        guard case .committed(let change) = self else { return nil }
        return change.key
    }
}

/// One session's connections in a presence heartbeat.
public struct PresenceHeartbeatSession: Sendable, Hashable {
    public var key: RecordKey
    /// The sender's version of the record, so a node that missed a notification notices and fills the gap.
    public var version: Int
    public var entries: [PresenceHeartbeatEntry]
    /// The sender has just taken its first connection into this session and asks every node that holds connections
    /// in it for its entries now: without them its participants would see only their own node's users until the
    /// others' next heartbeats, up to a heartbeat interval later.
    public var query: Bool

    public init(key: RecordKey, version: Int, entries: [PresenceHeartbeatEntry], query: Bool = false) {
        self.key = key
        self.version = version
        self.entries = entries
        self.query = query
    }
}

/// One live connection in a presence heartbeat.
public struct PresenceHeartbeatEntry: Sendable, Hashable {
    public var user: UserRef
    public var connection: String
    public var focus: String?

    public init(user: UserRef, connection: String, focus: String?) {
        self.user = user
        self.connection = connection
        self.focus = focus
    }
}

/// A backplane message with the node that sent it.
public struct BackplaneEnvelope: Sendable, Hashable {
    public var origin: String
    public var message: BackplaneMessage

    public init(origin: String, message: BackplaneMessage) {
        self.origin = origin
        self.message = message
    }
}

/// How nodes reach each other. Twins: `InMemoryBackplane` (one process), the simulator's `SimBroker`
/// (pub/sub or streams semantics over simulated links) and the Redis Streams backplane in the server.
public protocol Backplane: Sendable {
    func publish(_ envelope: BackplaneEnvelope) async throws
    /// Registers a node; `deliver` is called for every envelope published by *other* nodes, in the order
    /// the backplane delivers them.
    func subscribe(node: String, deliver: @escaping @Sendable (BackplaneEnvelope) async -> Void) async throws
    /// Registers `subscriber` (a node) for `node`: as `subscribe(node:deliver:)`, each envelope handed to its
    /// `receiveBackplane`, the subscriber held no longer than until `unsubscribe(node:)` (a node unsubscribes when it
    /// stops or crashes). The default does exactly that through a hop to the subscriber, which it holds weakly; the
    /// simulator's broker calls it in place and holds it until then (see `SimBroker.subscribe(node:subscriber:)`).
    func subscribe(node: String, subscriber: some BackplaneSubscriber) async throws
    func unsubscribe(node: String) async
}

extension Backplane {
    public func subscribe(node: String, subscriber: some BackplaneSubscriber) async throws {
        try await subscribeWithHop(node: node, subscriber: subscriber)
    }

    /// `subscribe(node:subscriber:)` through `subscribe(node:deliver:)`: each envelope hops to the subscriber.
    public func subscribeWithHop(node: String, subscriber: some BackplaneSubscriber) async throws {
        try await subscribe(node: node) { [weak subscriber] envelope in await subscriber?.receiveBackplane(envelope) }
    }
}

/// What a backplane hands other nodes' envelopes to: a node, synchronously, on its own isolation.
public protocol BackplaneSubscriber: Actor {
    func receiveBackplane(_ envelope: BackplaneEnvelope)
}
