import TandemCore
import TandemEngine
import TandemStore
import Testing

/// `prune` archives old log and audit rows without losing record state; session cleanup marks idle sessions.
@Suite("Store maintenance")
struct MaintenanceTests {
    @Test(arguments: StoreKind.durable)
    func pruneArchivesOldRowsAndKeepsRecordState(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            let other = RecordKey(model: "Contact", recordID: "43")
            for version in 1...4 {
                _ = try await store.append(
                    Samples.change(version: version, atMillis: Int64(100 * version)),
                    autoResolved: nil
                )
            }
            _ = try await store.append(Samples.change(other, version: 1, atMillis: 900), autoResolved: nil)
            try await store.appendAudit([
                AuditEvent(kind: .resync, key: Samples.key, user: Samples.alice, createdAtMillis: 150),
                AuditEvent(kind: .resync, key: Samples.key, user: Samples.alice, createdAtMillis: 350),
            ])
            let before = try await store.loadRecord(Samples.key)

            let counts = try await store.prune(olderThanMillis: 250)

            #expect(counts == PruneCounts(changesArchivedCount: 2, auditEventsArchivedCount: 1))
            #expect(try await store.loadRecord(Samples.key) == before)
            #expect(
                try await store.changes(Samples.key, after: 0, limit: 10)
                    == ChangeLogSlice(changes: [], reachesBack: false)
            )
            #expect(try await store.changes(Samples.key, after: 2, limit: 10).changes.map(\.version) == [3, 4])
            #expect(try await store.changes(other, after: 0, limit: 10).changes.map(\.version) == [1])
            #expect(try await store.rowCount(.changeLog) == 3)
            #expect(try await store.rowCount(.changeLogArchive) == 2)
            #expect(try await store.rowCount(.auditEventsArchive) == 1)
            #expect(try await store.auditEvents(Samples.key).map(\.createdAtMillis) == [350])
            #expect(try await store.append(Samples.change(version: 5), autoResolved: nil) == .appended)
            #expect(
                try await store.prune(olderThanMillis: 250)
                    == PruneCounts(changesArchivedCount: 0, auditEventsArchivedCount: 0)
            )
        }
    }

    @Test(arguments: StoreKind.durable)
    func pruneArchivesOnlyTheAllOldPrefixWhenClocksDisagree(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            for (version, millis) in zip(1...4, [100, 300, 200, 400] as [Int64]) {
                _ = try await store.append(Samples.change(version: version, atMillis: millis), autoResolved: nil)
            }
            #expect(try await store.prune(olderThanMillis: 250).changesArchivedCount == 1)
            #expect(try await store.changes(Samples.key, after: 1, limit: 10).changes.map(\.version) == [2, 3, 4])
            #expect(try await store.prune(olderThanMillis: 10_000).changesArchivedCount == 3)
            #expect(
                try await store.changes(Samples.key, after: 4, limit: 10)
                    == ChangeLogSlice(changes: [], reachesBack: true)
            )
            #expect(try await store.loadRecord(Samples.key)?.version == 4)
        }
    }

    @Test(arguments: StoreKind.durable)
    func cleanupMarksOnlyIdleSessionsInactive(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            let busy = RecordKey(model: "Contact", recordID: "busy")
            try await store.appendAudit([
                AuditEvent(kind: .sessionJoined, key: Samples.key, user: Samples.alice, createdAtMillis: 100),
                AuditEvent(kind: .sessionJoined, key: busy, user: Samples.bob, createdAtMillis: 100),
                AuditEvent(kind: .commentAdded, key: busy, user: Samples.bob, createdAtMillis: 500),
            ])
            #expect(try await store.cleanupInactiveSessions(olderThanMillis: 300) == 1)
            #expect(try await store.cleanupInactiveSessions(olderThanMillis: 300) == 0)
            let idle = try #require(try await store.session(Samples.key))
            #expect(idle.status == .inactive && idle.participants.isEmpty)
            let active = try #require(try await store.session(busy))
            #expect(active.status == .active && active.participants == [Samples.bob] && active.updatedAtMillis == 500)
            try await store.appendAudit([
                AuditEvent(kind: .sessionJoined, key: Samples.key, user: Samples.bob, createdAtMillis: 600)
            ])
            #expect(try await store.session(Samples.key)?.status == .active)
        }
    }

    @Test(arguments: StoreKind.durable)
    func aDeletedRecordsSessionIsMarkedDeletedAndCleanupLeavesIt(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            try await store.appendAudit([
                AuditEvent(kind: .sessionJoined, key: Samples.key, user: Samples.alice, createdAtMillis: 100),
                AuditEvent(kind: .recordDeleted, key: Samples.key, user: Samples.bob, oldValue: ["title": 1],
                           metadata: ["version": 2, "origin": "rest"], createdAtMillis: 200),
            ])
            let deleted = try #require(try await store.session(Samples.key))
            #expect(deleted.status == .deleted)
            #expect(deleted.updatedAtMillis == 200)
            #expect(try await store.cleanupInactiveSessions(olderThanMillis: 10_000) == 0)
            #expect(try await store.session(Samples.key)?.status == .deleted)
            let events = try await store.auditEvents(Samples.key)
            #expect(events.map(\.kind) == [.sessionJoined, .recordDeleted])
            #expect(events.last?.oldValue == ["title": 1])
        }
    }
}
