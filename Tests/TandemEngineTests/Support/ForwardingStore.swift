import TandemCore
import TandemEngine

/// A test store that hands every call to an in-memory store, except those a conforming type writes itself.
protocol ForwardingStore: EventStore {
    var inner: InMemoryEventStore { get }
}

extension ForwardingStore {
    func loadRecord(_ key: RecordKey) async throws -> RecordState? { await inner.loadRecord(key) }
    func records(model: String, offset: Int, limit: Int) async throws -> (total: Int, records: [RecordState]) {
        await inner.records(model: model, offset: offset, limit: limit)
    }

    func nextRecordID(model: String) async throws -> Int { await inner.nextRecordID(model: model) }
    func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) async throws -> AppendResult {
        await inner.append(change, autoResolved: autoResolved)
    }
    func changes(_ key: RecordKey, after version: Int, limit: Int) async throws -> ChangeLogSlice {
        await inner.changes(key, after: version, limit: limit)
    }
    func change(_ key: RecordKey, id: String) async throws -> ChangeEntry? { await inner.change(key, id: id) }
    func saveConflict(_ conflict: ConflictRecord, with change: ChangeEntry?) async throws -> AppendResult {
        await inner.saveConflict(conflict, with: change)
    }
    func conflict(_ key: RecordKey, id: String) async throws -> ConflictRecord? { await inner.conflict(key, id: id) }
    func appendComment(_ comment: TandemCore.Comment, to key: RecordKey) async throws {
        await inner.appendComment(comment, to: key)
    }
    func comments(_ key: RecordKey) async throws -> [TandemCore.Comment] { await inner.comments(key) }
    func appendAudit(_ events: [AuditEvent]) async throws { await inner.appendAudit(events) }
}
