import TandemCore

/// The event store for one process: every log in memory, with the same version check as the durable stores.
///
/// Used by single-process deployments and tests; it forgets everything when the process ends. The
/// simulator's `SimStore` wraps one (adding latency and outages), which is why `prune` and the inspection
/// methods live here too.
public actor InMemoryEventStore: EventStore {
    private var records: [RecordKey: RecordState] = [:] { didSet { recordsStamp = ChangeStamp.next() } }
    /// Moves whenever any record changes, or one is added (``ChangeStamp``): the simulator's convergence checks read the
    /// records again only when it has.
    public private(set) var recordsStamp = ChangeStamp.next()
    private var logs: [RecordKey: [ChangeEntry]] = [:]
    /// Versions at or below this were pruned from a record's log (the record state still has them).
    private var prunedThrough: [RecordKey: Int] = [:]
    private var changeIDs: [RecordKey: [String: Int]] = [:]
    private var conflicts: [RecordKey: [String: ConflictRecord]] = [:]
    private var commentsByRecord: [RecordKey: [Comment]] = [:]
    public private(set) var auditLog: [AuditEvent] = []
    private var lastRecordIDs: [String: Int] = [:]

    public init() {}

    public func loadRecord(_ key: RecordKey) -> RecordState? { records[key] }

    public func records(model: String, offset: Int, limit: Int) -> (total: Int, records: [RecordState]) {
        let all = records.values.filter { $0.key.model == model && !$0.deleted }
            .sorted { $0.key.recordID.utf8.lexicographicallyPrecedes($1.key.recordID.utf8) }
        let start = min(max(0, offset), all.count)
        let end = start + min(max(0, limit), all.count - start)
        return (all.count, Array(all[start..<end]))
    }

    public func nextRecordID(model: String) -> Int {
        let largest = records.keys.lazy.filter { $0.model == model }.compactMap { RecordIDSequence.integer($0.recordID) }
            .max() ?? 0
        let next = max((lastRecordIDs[model] ?? 0) + 1, largest + 1)
        lastRecordIDs[model] = next
        return next
    }

    public func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) -> AppendResult {
        if let committed = self.change(change.key, id: change.changeID) { return .duplicate(committed) }
        let current = records[change.key]?.version ?? 0
        guard change.version == current + 1 else { return .versionClash(currentVersion: current) }
        // Applied in place: a copy taken out, changed and put back shared its field tables with the stored record
        // while it was changed, so each append copied them whole.
        records[change.key, default: RecordState(key: change.key, version: 0, fields: [:], fieldVersions: [:])]
            .apply(change)
        logs[change.key, default: []].append(change)
        changeIDs[change.key, default: [:]][change.changeID] = change.version
        if let autoResolved { conflicts[change.key, default: [:]][autoResolved.id] = autoResolved }
        return .appended
    }

    public func changes(_ key: RecordKey, after version: Int, limit: Int) -> ChangeLogSlice {
        let pruned = prunedThrough[key] ?? 0
        guard version >= pruned else { return ChangeLogSlice(changes: [], reachesBack: false) }
        let log = logs[key] ?? []
        let start = version - pruned
        guard start < log.count else { return ChangeLogSlice(changes: [], reachesBack: true) }
        return ChangeLogSlice(changes: Array(log[start..<min(log.count, start + max(0, limit))]), reachesBack: true)
    }

    public func change(_ key: RecordKey, id: String) -> ChangeEntry? {
        guard let version = changeIDs[key]?[id], let pruned = prunedThrough[key].map({ $0 }) ?? Optional(0),
              version > pruned, let log = logs[key] else { return nil }
        return log[version - pruned - 1]
    }

    public func saveConflict(_ conflict: ConflictRecord, with change: ChangeEntry?) -> AppendResult {
        if let change {
            let result = append(change, autoResolved: nil)
            guard result == .appended else { return result }
        }
        conflicts[conflict.key, default: [:]][conflict.id] = conflict
        return .appended
    }

    public func conflict(_ key: RecordKey, id: String) -> ConflictRecord? { conflicts[key]?[id] }

    public func appendComment(_ comment: Comment, to key: RecordKey) {
        commentsByRecord[key, default: []].append(comment)
    }

    public func comments(_ key: RecordKey) -> [Comment] { commentsByRecord[key] ?? [] }

    public func appendAudit(_ events: [AuditEvent]) { auditLog.append(contentsOf: events) }

    // MARK: Maintenance and inspection

    /// Drops log entries at or below `version` (the record state keeps their effect); resyncs from before it
    /// then fall back to a snapshot.
    public func prune(_ key: RecordKey, through version: Int) {
        let pruned = prunedThrough[key] ?? 0
        guard version > pruned, var log = logs[key] else { return }
        let count = min(version - pruned, log.count)
        log.removeFirst(count)
        logs[key] = log
        prunedThrough[key] = pruned + count
    }

    /// Every record key the store holds, sorted.
    public func recordKeys() -> [RecordKey] { records.keys.sorted() }

    /// A record's whole retained log.
    public func log(_ key: RecordKey) -> [ChangeEntry] { logs[key] ?? [] }

    public func allConflicts(_ key: RecordKey) -> [ConflictRecord] {
        (conflicts[key] ?? [:]).values.sorted { $0.id < $1.id }
    }
}
