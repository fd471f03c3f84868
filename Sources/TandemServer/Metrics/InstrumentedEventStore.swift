import TandemCore
import TandemEngine
import TandemRuntime

/// An `EventStore` decorator that times every durable commit (`append`, and `saveConflict` with a change)
/// into the server's commit-latency histogram, and counts the changes and audit events it stores into the dashboard's
/// timeline; everything else passes straight through.
struct InstrumentedEventStore: EventStore {
    let base: any EventStore
    let histogram: LatencyHistogram
    let clock: any TandemClock
    var timeline: AuditTimeline?

    private func timed<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        let start = clock.nowNanos()
        defer { histogram.observe(seconds: Double(clock.nowNanos() - start) / 1e9) }
        return try await body()
    }

    func loadRecord(_ key: RecordKey) async throws -> RecordState? { try await base.loadRecord(key) }

    func records(model: String, offset: Int, limit: Int) async throws -> (total: Int, records: [RecordState]) {
        try await base.records(model: model, offset: offset, limit: limit)
    }

    func nextRecordID(model: String) async throws -> Int { try await base.nextRecordID(model: model) }

    func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) async throws -> AppendResult {
        let result = try await timed { try await base.append(change, autoResolved: autoResolved) }
        if result == .appended { timeline?.recordChange(change) }
        return result
    }

    func changes(_ key: RecordKey, after version: Int, limit: Int) async throws -> ChangeLogSlice {
        try await base.changes(key, after: version, limit: limit)
    }

    func change(_ key: RecordKey, id: String) async throws -> ChangeEntry? { try await base.change(key, id: id) }

    func saveConflict(_ conflict: ConflictRecord, with change: ChangeEntry?) async throws -> AppendResult {
        guard let change else { return try await base.saveConflict(conflict, with: nil) }
        let result = try await timed { try await base.saveConflict(conflict, with: change) }
        if result == .appended { timeline?.recordChange(change) }
        return result
    }

    func conflict(_ key: RecordKey, id: String) async throws -> ConflictRecord? { try await base.conflict(key, id: id) }

    func appendComment(_ comment: Comment, to key: RecordKey) async throws {
        try await base.appendComment(comment, to: key)
    }

    func comments(_ key: RecordKey) async throws -> [Comment] { try await base.comments(key) }

    func appendAudit(_ events: [AuditEvent]) async throws {
        try await base.appendAudit(events)
        timeline?.record(events)
    }
}
