import TandemCore
import TandemEngine

/// An `EventStore` kept in a database: the protocol plus migrations, maintenance and inspection.
///
/// Implemented by `SQLiteEventStore` (one file, one node or a few processes on one machine) and
/// `PostgresEventStore` (many nodes). The maintenance methods become `tandem-server` commands; the inspection
/// methods serve tests and operators and are not on the engine's path.
public protocol DurableEventStore: EventStore {
    /// The schema versions applied to the database, ascending.
    func appliedMigrations() async throws -> [Int]
    /// Moves change-log and audit rows older than the cutoff into the `*_archive` tables. Record state stays;
    /// `changes(after:)` from before an archived version then answers `reachesBack: false`.
    ///
    /// A record's log is archived only as a prefix: up to (not including) its first change at or after the
    /// cutoff, so the retained log stays gap-free even when node clocks disagree.
    func prune(olderThanMillis cutoffMillis: Int64) async throws -> PruneCounts
    /// Archives one record's change log through `version` (the twin of `InMemoryEventStore.prune(_:through:)`);
    /// returns how many rows moved.
    func archiveChanges(_ key: RecordKey, through version: Int) async throws -> Int
    /// Marks sessions with no activity since the cutoff `inactive` and empties their participants; returns how many.
    func cleanupInactiveSessions(olderThanMillis cutoffMillis: Int64) async throws -> Int
    /// The `ab_collaboration_sessions` row of a record, kept up to date from the audit events.
    func session(_ key: RecordKey) async throws -> StoredSession?
    /// A record's retained audit events, oldest first.
    func auditEvents(_ key: RecordKey) async throws -> [AuditEvent]
    func rowCount(_ table: StoreTable) async throws -> Int
}

/// What one `prune(olderThanMillis:)` moved to the archive tables.
public struct PruneCounts: Sendable, Hashable {
    public var changesArchivedCount: Int
    public var auditEventsArchivedCount: Int

    public init(changesArchivedCount: Int, auditEventsArchivedCount: Int) {
        self.changesArchivedCount = changesArchivedCount
        self.auditEventsArchivedCount = auditEventsArchivedCount
    }
}

/// The tables a durable store keeps, by their SQL names.
public enum StoreTable: String, Sendable, Hashable, CaseIterable {
    case sessions = "ab_collaboration_sessions"
    case auditEvents = "ab_collaboration_events"
    case auditEventsArchive = "ab_collaboration_events_archive"
    case conflicts = "ab_collaboration_conflicts"
    case changeLog = "ab_model_change_log"
    case changeLogArchive = "ab_model_change_log_archive"
    case records = "tandem_records"
    case comments = "tandem_comments"
    case migrations = "schema_migrations"
    case recordIDSequences = "tandem_record_sequences"
}

/// A row of `ab_collaboration_sessions`: one per record anyone joined, derived from the audit events.
///
/// `participants` is a best-effort view (a join adds the user, a leave removes them); the audit log is the record
/// of truth. Joined users are sorted by id so the stored JSON is deterministic.
public struct StoredSession: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case active
        case inactive
        /// The record was deleted; a later join (after it is created again) makes the session active again.
        case deleted
    }

    public var key: RecordKey
    public var status: Status
    public var createdBy: Int?
    public var createdAtMillis: Int64
    public var updatedAtMillis: Int64
    public var participants: [UserRef]

    public init(
        key: RecordKey,
        status: Status,
        createdBy: Int?,
        createdAtMillis: Int64,
        updatedAtMillis: Int64,
        participants: [UserRef]
    ) {
        self.key = key
        self.status = status
        self.createdBy = createdBy
        self.createdAtMillis = createdAtMillis
        self.updatedAtMillis = updatedAtMillis
        self.participants = participants
    }

    /// Folds one audit event of this session's record into the row.
    mutating func apply(_ event: AuditEvent) {
        guard event.kind.concernsSession else { return }
        switch event.kind {
        case .sessionJoined:
            status = .active
            if let user = event.user, !participants.contains(where: { $0.id == user.id }) {
                participants.append(user)
                participants.sort { $0.id < $1.id }
            }
        case .sessionLeft:
            if let user = event.user { participants.removeAll { $0.id == user.id } }
        case .recordDeleted:
            status = .deleted
        default: break
        }
        updatedAtMillis = max(updatedAtMillis, event.createdAtMillis)
    }

    /// The audit events of a batch grouped by session, sessions in id order (the lock order on PostgreSQL, so
    /// two batches never deadlock), events in batch order.
    static func plan(_ events: [AuditEvent]) -> [(key: RecordKey, events: [AuditEvent])] {
        var grouped: [String: (key: RecordKey, events: [AuditEvent])] = [:]
        for event in events where event.kind.concernsSession {
            grouped[event.key.sessionID, default: (event.key, [])].events.append(event)
        }
        return grouped.keys.sorted().map { grouped[$0]! }
    }

    static func participantsJSON(_ users: [UserRef]) throws(StoreError) -> String {
        try StoreJSON.text(.array(users.map(StoreJSON.user)), "write ab_collaboration_sessions.participants")
    }

    static func decodeParticipants(_ text: String) throws(StoreError) -> [UserRef] {
        let context = "read ab_collaboration_sessions.participants"
        guard case .array(let users) = try StoreJSON.value(text, context) else {
            throw StoreError.corrupt("\(context): not an array")
        }
        var decoded: [UserRef] = []
        for user in users { decoded.append(try StoreJSON.decodeUser(user, context)) }
        return decoded
    }
}

/// The shared answer of `changes(after:limit:)`: rows are read first (one statement), then, only when they do
/// not start right after `version`, how far the log was pruned. A prune that removed wanted rows had committed
/// before that second read, which therefore sees it: never a silent gap.
enum ChangeLogSlicing {
    /// Whether the rows alone answer: they start at `version + 1`.
    static func startsRightAfter(_ version: Int, rows: [ChangeEntry]) -> Bool {
        rows.first.map { $0.version == version + 1 } ?? false
    }

    static func slice(after version: Int, rows: [ChangeEntry], prunedThrough: Int) throws(StoreError) -> ChangeLogSlice
    {
        if startsRightAfter(version, rows: rows) { return ChangeLogSlice(changes: rows, reachesBack: true) }
        if version < prunedThrough { return ChangeLogSlice(changes: [], reachesBack: false) }
        guard rows.isEmpty else {
            throw StoreError.corrupt(
                "changes after v\(version): the log starts at v\(rows[0].version) but was pruned only through "
                    + "v\(prunedThrough)"
            )
        }
        return ChangeLogSlice(changes: [], reachesBack: true)
    }
}
