import DequeModule
import OrderedCollections
import TandemCore

/// A connection's view of one session it joined.
///
/// A class shared by the connection's table and the session's member list (``LocalMember``), so that the fan-out,
/// which reads and advances `sentVersion` once per delivery, reaches it without hashing the record key.
final class JoinedSession {
    let readOnly: Bool
    /// The last version this connection was sent (as `joined`, `model_changed` or `ack`); it is only ever sent
    /// `sentVersion + 1` next, so every client sees a record's versions in order with none missing.
    var sentVersion: Int
    /// The connection left the session (`leaveSession`): a fan-out already under way skips it, as a lookup of the
    /// connection's sessions would.
    var left = false

    init(readOnly: Bool, sentVersion: Int) {
        self.readOnly = readOnly
        self.sentVersion = sentVersion
    }
}

/// A connection joined to a session on this node, as the session's fan-out reaches it (no lookup per delivery).
struct LocalMember {
    let connection: ConnectionState
    let joined: JoinedSession
}

/// One client connection held by this node.
///
/// A class owned by the node actor: it is looked up for every message sent, and copying a value out of the
/// connection table per send (strings, roles, the joined-session table) was a measurable cost of fan-out.
///
/// The members every message touches are `@exclusivity(unchecked)`, as `CollaborationNode`'s own state and for the
/// same reasons (written there).
final class ConnectionState {
    let id: String
    let user: UserIdentity
    let transport: any ClientTransport
    @exclusivity(unchecked) var sessions: [RecordKey: JoinedSession] = [:]
    @exclusivity(unchecked) var bucket: TokenBucket
    var breaches = 0
    @exclusivity(unchecked) var changeCount = 0

    init(id: String, user: UserIdentity, transport: any ClientTransport, bucket: TokenBucket) {
        self.id = id
        self.user = user
        self.transport = transport
        self.bucket = bucket
    }
}

/// Who made a change on this node and is waiting for its `ack`.
public struct ChangeAuthor: Sendable, Hashable {
    public var connection: String
    public var rid: RequestID?

    public init(connection: String, rid: RequestID?) {
        self.connection = connection
        self.rid = rid
    }
}

/// What this node holds of one record it serves: the latest committed state it has applied, a window of
/// recent changes, changes that arrived ahead of a gap, presence and comments.
///
/// A class, owned and touched only by its node actor: the fan-out path reads and updates it for every
/// change, and a value type would be copied (history window included) on each of those steps.
///
/// The members every change or presence notice touches are `@exclusivity(unchecked)`, as `CollaborationNode`'s own
/// state and for the same reasons (written there).
final class SessionState {
    @exclusivity(unchecked) var record: RecordState { didSet { recordStamp = ChangeStamp.next() } }
    /// Taken afresh whenever `record` changes in any way (``ChangeStamp``): the simulator's convergence checks compare
    /// a node's copy of a record again only when it has changed since the last sample.
    @exclusivity(unchecked) private(set) var recordStamp = ChangeStamp.next()
    var model: ModelSchema
    /// Contiguous committed changes ending at `record.version`: at most `historyWindowCount`, or up to
    /// `historyReachCount` while grown back for a lagging client (`CollaborationNode.reachBack`).
    @exclusivity(unchecked) var history: Deque<ChangeEntry> = []
    /// The record's version when a change or resync last needed the window further back than `historyWindowCount`:
    /// a window grown back for lagging clients keeps its length while they use it, and shrinks once they have not for
    /// `historyWindowCount` commits.
    @exclusivity(unchecked) var reachUsedAt = 0
    /// With gap recovery off, the version up to which the node skipped changes it never applied: the window is not
    /// grown back past it (those changes are in the store, not in this node's record).
    var skippedThrough = 0
    /// Changes from the backplane that arrived ahead of a version gap, by version.
    @exclusivity(unchecked) var ahead: [Int: ChangeEntry] = [:]
    /// Authors of retried changes the store already holds but this node has not applied yet, by change id: they get
    /// `ack` in place of `model_changed` when the node catches up to that version.
    @exclusivity(unchecked) var awaitingAcks: [String: ChangeAuthor] = [:]
    @exclusivity(unchecked) var presence = PresenceTable()
    /// Connections on this node that joined, by id, in join order (the fan-out order). A connection is here exactly
    /// while its own table holds this session (`join` adds both, `leaveSession` removes both).
    @exclusivity(unchecked) var localConnections: OrderedDictionary<String, LocalMember> = [:]
    var comments: CommentThread
    var gapFillRunning = false
    /// An outside write was announced while a catch-up ran: read the store once more when it ends.
    var storeReadAgain = false

    init(record: RecordState, model: ModelSchema, comments: CommentThread) {
        self.record = record
        self.model = model
        self.comments = comments
    }

    /// The change with id `changeID` in the window, if it was committed after `version`: a retry of a change whose
    /// base was `version` (a change always commits above its base, the resolver refuses a base ahead of the record).
    /// Scans back from the newest only as far as `version`, so a new change costs the few changes committed since
    /// its base, not the whole window; one older than the window is the store's to recognise.
    func committed(_ changeID: String, after version: Int) -> ChangeEntry? {
        for change in history.reversed() {
            if change.version <= version { return nil }
            if change.changeID == changeID { return change }
        }
        return nil
    }

    /// Puts `older`, the store's changes after `version` (oldest first, gap-free), in front of the window where they
    /// end at or past its first change. False when they do not reach it (the window moved on while the store was
    /// read); true as well when the window already reaches back to `version`.
    func prepend(_ older: [ChangeEntry], after version: Int) -> Bool {
        let start = history.first?.version ?? record.version + 1
        if start <= version + 1 { return true }
        guard let last = older.last, older.first?.version == version + 1, older.count == last.version - version,
              last.version + 1 >= start else { return false }
        history.prepend(contentsOf: older.prefix(start - version - 1))
        return true
    }

    /// Changes after `version` from the window, or nil when the window does not reach back that far.
    func windowChanges(after version: Int) -> [ChangeEntry]? {
        if version >= record.version { return [] }
        guard let first = history.first, first.version <= version + 1 else { return nil }
        return Array(history.dropFirst(version + 1 - first.version))
    }
}

/// A token bucket for the per-connection message rate (PROTOCOL.md: 100/s, burst 200).
struct TokenBucket: Sendable {
    var tokens: Double
    var lastNanos: Int64
    let ratePerSecond: Double
    let burst: Double

    init(ratePerSecond: Double, burst: Double, nowNanos: Int64) {
        self.tokens = burst
        self.lastNanos = nowNanos
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    mutating func take(nowNanos: Int64) -> Bool {
        let elapsed = Double(max(0, nowNanos - lastNanos)) / 1e9
        lastNanos = nowNanos
        tokens = min(burst, tokens + elapsed * ratePerSecond)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

/// Counters a node keeps about itself, read by the simulator's report and the server's `/metrics`.
public struct NodeMetrics: Sendable, Hashable {
    public var connectionsOpened = 0
    public var connectionsClosed = 0
    public var messagesIn = 0
    public var messagesOut = 0
    public var commits = 0
    /// Record deletions committed (each also counts as a commit).
    public var deletions = 0
    public var appendClashes = 0
    /// Operations given up after every append attempt clashed (answered `internal`; the client resends).
    public var appendsAbandoned = 0
    public var conflictsDetected = 0
    public var conflictsAutoResolved = 0
    public var conflictsManual = 0
    public var resyncs = 0
    public var resyncsUnrecovered = 0
    public var gapFills = 0
    public var duplicateChanges = 0
    /// Reads of the change log for a change or a resync based older than the memory window (a lagging client).
    public var historyStoreReads = 0
    /// Audit events dropped because the store refused them for longer than `auditBacklogCountMax` events.
    public var auditEventsDropped = 0
    /// Backplane messages dropped from a full outbox (`backplaneOutboxCountMax`), oldest first.
    public var backplaneOutboxDropped = 0
    public var storeErrors = 0
    public var backplaneErrors = 0
    public var backplaneIn = 0
    public var backplaneOut = 0
    public var slowConsumersDropped = 0
    public var rateLimited = 0
    public var errorsSent = 0
    public var presenceExpired = 0

    public init() {}
}
