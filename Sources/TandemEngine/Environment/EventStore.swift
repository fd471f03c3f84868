import TandemCore

/// What an append to the change log did.
public enum AppendResult: Sendable, Hashable {
    /// The change is durable at its version.
    case appended
    /// Another writer got there first: the record is at `currentVersion`, not `change.version - 1`.
    case versionClash(currentVersion: Int)
    /// The record's log already holds a change with this change id (a retry whose first attempt was committed):
    /// nothing was written; this is the change committed under the id. Every store answers so, whatever version the
    /// retry was tried at, so a retry is acknowledged once and never committed twice.
    /// (`indirect`: the common answers stay a few bytes in the async frames that await an append.)
    indirect case duplicate(ChangeEntry)
}

/// A slice of a record's change log.
public struct ChangeLogSlice: Sendable, Hashable {
    /// Changes after the asked version, oldest first, gap-free.
    public var changes: [ChangeEntry]
    /// False when the log was pruned past the asked version (the caller must fall back to a snapshot).
    public var reachesBack: Bool

    public init(changes: [ChangeEntry], reachesBack: Bool) {
        self.changes = changes
        self.reachesBack = reachesBack
    }
}

/// A failure of the store itself (unreachable, full, corrupt): the engine answers `internal` and acks nothing.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, for whoever answers a caller: worth a retry, or not.
    public enum Kind: String, Sendable, Hashable {
        /// The store could not be reached or did not answer (a retry may succeed): HTTP 503.
        case unavailable
        /// The store answered with data this build cannot read (a bad row, an unknown value): HTTP 500.
        case corrupt
        /// The store is set up wrongly (a bad URL, a schema from a newer build): fix the deployment.
        case misconfigured
    }

    public var kind: Kind
    public var message: String

    public init(_ message: String, kind: Kind = .unavailable) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "store: \(message)" }

    public static func corrupt(_ message: String) -> StoreError { StoreError(message, kind: .corrupt) }
    public static func misconfigured(_ message: String) -> StoreError { StoreError(message, kind: .misconfigured) }
}

/// The durable event store and sequencer of record versions.
///
/// `append` is the single point that orders a record's changes across all nodes: it succeeds only when the
/// record is exactly at `change.version - 1` (an optimistic check, like ShareDB's), and it stores the change,
/// the record's new state and an auto-resolved conflict in one atomic step. A change is acknowledged only
/// after its append returned `.appended`. Twins: `InMemoryEventStore` (one process), the simulator's
/// `SimStore` (latency, survives node crashes), SQLite and PostgreSQL stores in the server.
public protocol EventStore: Sendable {
    /// The record at its latest version, or nil when nobody has written it.
    func loadRecord(_ key: RecordKey) async throws -> RecordState?
    /// One page of the records of `model` the store holds, sorted by record id (bytewise), and how many it
    /// holds in all: the records at positions `offset ..< offset + limit` of that order. Deleted records are
    /// left out (`loadRecord` still finds them, marked `deleted`).
    func records(model: String, offset: Int, limit: Int) async throws -> (total: Int, records: [RecordState])
    /// Claims the next integer primary key of `model` (1, 2, 3 …) for a record created without one, atomically
    /// in the store, so two callers (two nodes sharing a database included) never get the same key: one more
    /// than both the last key claimed and the largest integer id (canonical or not, of up to 18 digits) of any
    /// record of the model the store holds, deleted ones included, so a claimed key was never used.
    func nextRecordID(model: String) async throws -> Int
    func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) async throws -> AppendResult
    /// Changes with versions after `version`, at most `limit`, oldest first.
    func changes(_ key: RecordKey, after version: Int, limit: Int) async throws -> ChangeLogSlice
    /// A committed change by its id, so a retried change is acknowledged once and never committed twice.
    func change(_ key: RecordKey, id: String) async throws -> ChangeEntry?
    /// Inserts or updates a conflict (held, resolved or rolled back); with `change`, both land atomically
    /// and the change is appended under the same version check as `append`.
    func saveConflict(_ conflict: ConflictRecord, with change: ChangeEntry?) async throws -> AppendResult
    func conflict(_ key: RecordKey, id: String) async throws -> ConflictRecord?
    func appendComment(_ comment: Comment, to key: RecordKey) async throws
    func comments(_ key: RecordKey) async throws -> [Comment]
    /// Appends audit events (joins, leaves, comments, resolutions …) to `ab_collaboration_events`.
    func appendAudit(_ events: [AuditEvent]) async throws
}
