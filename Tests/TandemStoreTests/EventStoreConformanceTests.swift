import TandemCore
import TandemEngine
import TandemStore
import Testing

/// One suite, three stores: the durable stores must answer exactly as `InMemoryEventStore` does.
@Suite("EventStore conformance")
struct EventStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func appendAcceptsOnlyTheNextVersionOfARecord(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            let key = Samples.key
            #expect(try await store.loadRecord(key) == nil)
            #expect(
                try await store.append(Samples.change(version: 2), autoResolved: nil)
                    == .versionClash(currentVersion: 0)
            )
            #expect(try await store.append(Samples.change(version: 1), autoResolved: nil) == .appended)
            #expect(
                try await store.append(Samples.change(version: 1, changeID: "other"), autoResolved: nil)
                    == .versionClash(currentVersion: 1)
            )
            #expect(
                try await store.append(Samples.change(version: 3), autoResolved: nil)
                    == .versionClash(currentVersion: 1)
            )
            #expect(
                try await store.append(Samples.change(version: 2, field: "body", value: "hi"), autoResolved: nil)
                    == .appended
            )
            let record = try #require(try await store.loadRecord(key))
            #expect(
                record
                    == RecordState(
                        key: key,
                        version: 2,
                        fields: ["title": 1, "body": "hi"],
                        fieldVersions: ["title": 1, "body": 2]
                    )
            )
            let other = RecordKey(model: "Contact", recordID: "43")
            #expect(try await store.append(Samples.change(other, version: 1), autoResolved: nil) == .appended)
            #expect(try await store.loadRecord(key)?.version == 2)
        }
    }

    /// A retried change whose id is already in the record's log is the change committed under that id, whatever
    /// version it was tried at; nothing is written twice.
    @Test(arguments: StoreKind.allCases)
    func aRepeatedChangeIDIsRefusedAsTheDuplicateOfTheCommittedChange(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            let first = Samples.change(version: 1, changeID: "retried")
            #expect(try await store.append(first, autoResolved: nil) == .appended)
            #expect(try await store.append(Samples.change(version: 2), autoResolved: nil) == .appended)
            // At the next version (the engine's retry after its window forgot the id) and at a stale one.
            let retry = Samples.change(version: 3, value: 99, changeID: "retried")
            #expect(try await store.append(retry, autoResolved: nil) == .duplicate(first))
            #expect(try await store.append(Samples.change(version: 2, changeID: "retried"), autoResolved: nil)
                    == .duplicate(first))
            #expect(try await store.saveConflict(Samples.conflict(), with: retry) == .duplicate(first))
            #expect(try await store.loadRecord(Samples.key)?.version == 2)
            #expect(try await store.changes(Samples.key, after: 0, limit: 10).changes.map(\.changeID) == ["retried", "42-c2"])
            // The same id on another record is another change.
            let other = RecordKey(model: "Contact", recordID: "43")
            #expect(try await store.append(Samples.change(other, version: 1, changeID: "retried"), autoResolved: nil)
                    == .appended)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func recordsListsOneModelSortedByIDInPages(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            #expect(try await store.records(model: "Contact", offset: 0, limit: 10).total == 0)
            for id in ["b", "a", "c", "B", "a10"] {
                let key = RecordKey(model: "Contact", recordID: id)
                #expect(try await store.append(Samples.change(key, version: 1, value: .string(id)), autoResolved: nil) == .appended)
            }
            let bKey = RecordKey(model: "Contact", recordID: "b")
            #expect(try await store.append(Samples.change(bKey, version: 2, field: "body", value: "two"), autoResolved: nil) == .appended)
            let other = RecordKey(model: "Note", recordID: "a")
            #expect(try await store.append(Samples.change(other, version: 1), autoResolved: nil) == .appended)

            let all = try await store.records(model: "Contact", offset: 0, limit: 100)
            #expect(all.total == 5)
            #expect(all.records.map(\.key.recordID) == ["B", "a", "a10", "b", "c"])
            #expect(all.records.allSatisfy { $0.key.model == "Contact" })
            let b = try #require(all.records.first { $0.key.recordID == "b" })
            #expect(b == (try await store.loadRecord(bKey)))
            #expect(b.version == 2)

            let page = try await store.records(model: "Contact", offset: 2, limit: 2)
            #expect(page.total == 5)
            #expect(page.records.map(\.key.recordID) == ["a10", "b"])
            let past = try await store.records(model: "Contact", offset: 10, limit: 2)
            #expect(past.total == 5)
            #expect(past.records.isEmpty)
            #expect(try await store.records(model: "Note", offset: 0, limit: 0).total == 1)
        }
    }

    /// Keys claimed for records created without one: per model, after every integer id held (deleted ones too),
    /// never the same twice even when claimed at once.
    @Test(arguments: StoreKind.allCases)
    func nextRecordIDCountsOnPastEveryIntegerIDAndNeverRepeats(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            #expect(try await store.nextRecordID(model: "Contact") == 1)
            #expect(try await store.nextRecordID(model: "Contact") == 2)
            #expect(try await store.nextRecordID(model: "Note") == 1)
            for id in ["9", "abc", "0012", "1234567890123456789"] {
                let key = RecordKey(model: "Contact", recordID: id)
                #expect(try await store.append(Samples.change(key, version: 1), autoResolved: nil) == .appended)
            }
            #expect(try await store.nextRecordID(model: "Contact") == 13, "0012 counts as 12; 19 digits do not count")
            let held = RecordKey(model: "Contact", recordID: "40")
            #expect(try await store.append(Samples.change(held, version: 1), autoResolved: nil) == .appended)
            let gone = try #require(try await store.loadRecord(held))
            let deletion = ChangeEntry.deletion(
                of: gone, changeID: "d40", baseVersion: 1, user: Samples.bob, timestampMillis: 9_000, origin: .rest)
            #expect(try await store.append(deletion, autoResolved: nil) == .appended)
            #expect(try await store.nextRecordID(model: "Contact") == 41, "a deleted record's key is not reused")
            let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 { group.addTask { try await store.nextRecordID(model: "Contact") } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(claimed.sorted() == Array(42..<58))
            #expect(try await store.nextRecordID(model: "Note") == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDeletionIsTheNextVersionEmptiesTheRecordAndAnInsertCreatesItAgain(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            let key = Samples.key
            var first = Samples.change(version: 1)
            first.kind = .insert
            #expect(try await store.append(first, autoResolved: nil) == .appended)
            #expect(try await store.append(Samples.change(version: 2, field: "body", value: "hi"), autoResolved: nil) == .appended)
            let before = try #require(try await store.loadRecord(key))
            let stale = ChangeEntry.deletion(
                of: RecordState(key: key, version: 1, fields: [:], fieldVersions: [:]), changeID: "d-stale",
                baseVersion: 1, user: Samples.bob, timestampMillis: 9_000, origin: .rest)
            #expect(try await store.append(stale, autoResolved: nil) == .versionClash(currentVersion: 2))
            let deletion = ChangeEntry.deletion(
                of: before, changeID: "d1", baseVersion: 2, user: Samples.bob, timestampMillis: 9_000, origin: .rest)
            #expect(try await store.append(deletion, autoResolved: nil) == .appended)

            let deleted = try #require(try await store.loadRecord(key))
            #expect(deleted == RecordState(key: key, version: 3, fields: [:], fieldVersions: [:], deleted: true))
            #expect(try await store.records(model: "Contact", offset: 0, limit: 10).total == 0)
            let log = try await store.changes(key, after: 0, limit: 10).changes
            #expect(log.map(\.kind) == [.insert, .update, .delete])
            #expect(log.last == deletion)
            #expect(log.last?.oldValue == ["title": 1, "body": "hi"])
            #expect(try await store.change(key, id: "d1") == deletion)

            var again = Samples.change(version: 4, field: "body", value: "back")
            again.kind = .insert
            #expect(try await store.append(again, autoResolved: nil) == .appended)
            let recreated = try #require(try await store.loadRecord(key))
            #expect(recreated == RecordState(key: key, version: 4, fields: ["body": "back"], fieldVersions: ["body": 4]))
            let listed = try await store.records(model: "Contact", offset: 0, limit: 10)
            #expect(listed.total == 1)
            #expect(listed.records == [recreated])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anAutoResolvedConflictLandsOnlyWithItsChange(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            let resolved = Samples.conflict(id: "auto", status: .autoResolved)
            #expect(
                try await store.append(Samples.change(version: 2), autoResolved: resolved)
                    == .versionClash(currentVersion: 0)
            )
            #expect(try await store.conflict(Samples.key, id: "auto") == nil)
            #expect(try await store.append(Samples.change(version: 1), autoResolved: resolved) == .appended)
            #expect(try await store.conflict(Samples.key, id: "auto") == resolved)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func saveConflictWithAClashingChangeSavesNeither(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            var conflict = Samples.conflict()
            #expect(try await store.saveConflict(conflict, with: nil) == .appended)
            conflict.status = .resolved
            conflict.resolution = .merged
            conflict.resolvedValue = "merged"
            #expect(
                try await store.saveConflict(conflict, with: Samples.change(version: 2))
                    == .versionClash(currentVersion: 0)
            )
            #expect(try await store.conflict(Samples.key, id: "k1")?.status == .pending)
            #expect(try await store.saveConflict(conflict, with: Samples.change(version: 1)) == .appended)
            #expect(try await store.conflict(Samples.key, id: "k1") == conflict)
            #expect(try await store.loadRecord(Samples.key)?.version == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func changesAfterAPrunedVersionDoNotReachBack(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            for version in 1...5 { _ = try await store.append(Samples.change(version: version), autoResolved: nil) }
            let all = try await store.changes(Samples.key, after: 0, limit: 10)
            #expect(all.reachesBack && all.changes.map(\.version) == [1, 2, 3, 4, 5])
            #expect(try await store.changes(Samples.key, after: 1, limit: 2).changes.map(\.version) == [2, 3])
            try await ConformanceScript.prune(store, Samples.key, through: 3)
            #expect(
                try await store.changes(Samples.key, after: 0, limit: 10)
                    == ChangeLogSlice(changes: [], reachesBack: false)
            )
            #expect(try await store.changes(Samples.key, after: 2, limit: 10).reachesBack == false)
            #expect(try await store.changes(Samples.key, after: 3, limit: 10).changes.map(\.version) == [4, 5])
            #expect(
                try await store.changes(Samples.key, after: 5, limit: 10)
                    == ChangeLogSlice(changes: [], reachesBack: true)
            )
            #expect(try await store.loadRecord(Samples.key)?.version == 5)
            #expect(try await store.change(Samples.key, id: "42-c2") == nil)
            #expect(try await store.change(Samples.key, id: "42-c4")?.version == 4)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func commentsComeBackInTheOrderTheyWereAdded(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            try await store.appendComment(Samples.comment("b"), to: Samples.key)
            try await store.appendComment(Samples.comment("a", text: "réponse 💬", parentID: "b"), to: Samples.key)
            try await store.appendComment(Samples.comment("z"), to: RecordKey(model: "Contact", recordID: "43"))
            #expect(
                try await store.comments(Samples.key) == [
                    Samples.comment("b"),
                    Samples.comment("a", text: "réponse 💬", parentID: "b"),
                ]
            )
        }
    }

    @Test(arguments: StoreKind.allCases, [1, 2, 3] as [UInt64])
    func aSeededScriptAnswersExactlyAsTheInMemoryStoreDoes(kind: StoreKind, seed: UInt64) async throws {
        try await kind.withStore { store throws in
            var script = ConformanceScript(seed: seed)
            let disagreement = try await script.run(count: 150, reference: InMemoryEventStore(), subject: store)
            #expect(disagreement == nil, "seed \(seed) on \(kind): \(disagreement ?? "")")
            #expect(script.appendedCount >= 30, "seed \(seed) committed only \(script.appendedCount) changes")
        }
    }
}
