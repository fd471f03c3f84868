import TandemTestSupport
import TandemCore
import TandemEngine
import TandemStore
import Testing

/// Many writers racing on one record end with exactly one gap-free version sequence, whatever the store.
@Suite("Concurrent appends")
struct ConcurrentAppendTests {
    static let writerCount = 8
    static let changesPerWriter = 25

    @Test(arguments: StoreKind.allCases)
    func racingWritersOnOneStoreYieldOneGapFreeSequence(kind: StoreKind) async throws {
        try await kind.withStore { store throws in
            try await Self.race(stores: [store])
            try await Self.expectOneSequence(in: store)
        }
    }

    @Test
    func twoSQLiteStoresOnOneFileYieldOneGapFreeSequence() async throws {
        try await TemporarySQLite.withStore { first, path throws in
            let second = try await SQLiteEventStore(path: path)
            try await Self.race(stores: [first, second])
            try await Self.expectOneSequence(in: first)
            await second.close()
        }
    }

    @Test
    func twoPostgresStoresOnOneDatabaseYieldOneGapFreeSequence() async throws {
        try await TestPostgres.withStore { first, url throws in
            let logger = TestPostgres.quietLogger
            try await PostgresEventStore.withStore(url: url, logger: logger, options: TestPostgres.options) { second in
                try await Self.race(stores: [first, second])
                try await Self.expectOneSequence(in: second)
            }
        }
    }

    /// Two nodes sharing a database claim keys for new records at once: every key is claimed exactly once.
    @Test
    func twoPostgresStoresClaimDistinctRecordIDs() async throws {
        try await TestPostgres.withStore { first, url throws in
            try await PostgresEventStore.withStore(url: url, logger: TestPostgres.quietLogger, options: TestPostgres.options) { second in
                try await Self.expectDistinctClaims(stores: [first, second])
            }
        }
    }

    @Test
    func twoSQLiteStoresOnOneFileClaimDistinctRecordIDs() async throws {
        try await TemporarySQLite.withStore { first, path throws in
            let second = try await SQLiteEventStore(path: path)
            try await Self.expectDistinctClaims(stores: [first, second])
            await second.close()
        }
    }

    static func expectDistinctClaims(stores: [any EventStore]) async throws {
        let claimCount = writerCount * changesPerWriter
        let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
            for claim in 0..<claimCount {
                let store = stores[claim % stores.count]
                group.addTask { try await store.nextRecordID(model: "Contact") }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(claimed.sorted() == Array(1...claimCount))
    }

    /// Each writer appends its changes, retrying a clash at the version the store reported, as a node does.
    /// Expects at least one clash: a race that never raced would prove nothing.
    static func race(stores: [any EventStore]) async throws {
        let attemptsMax = writerCount * changesPerWriter * 20
        let clashCount = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writerCount {
                let store = stores[writer % stores.count]
                group.addTask {
                    var next = 1
                    var committed = 0
                    var attempts = 0
                    var clashes = 0
                    while committed < changesPerWriter {
                        attempts += 1
                        guard attempts <= attemptsMax else {
                            Issue.record("writer \(writer) made \(attemptsMax) attempts without finishing")
                            return clashes
                        }
                        let change = Samples.change(
                            version: next,
                            value: .int(writer),
                            changeID: "w\(writer)-\(committed)",
                            user: UserRef(id: writer, username: "writer \(writer)")
                        )
                        switch try await store.append(change, autoResolved: nil) {
                        case .appended:
                            committed += 1
                            next += 1
                        case .versionClash(let current):
                            clashes += 1
                            next = current + 1
                        case .duplicate(let existing):
                            Issue.record("writer \(writer)'s fresh change id was taken: \(existing.changeID)")
                            return clashes
                        }
                    }
                    return clashes
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(clashCount > 0, "no writer ever clashed")
    }

    static func expectOneSequence(in store: any EventStore) async throws {
        let total = writerCount * changesPerWriter
        let slice = try await store.changes(Samples.key, after: 0, limit: total + 10)
        #expect(slice.reachesBack)
        #expect(slice.changes.map(\.version) == Array(1...total))
        let expectedIDs = Set((0..<writerCount).flatMap { writer in (0..<changesPerWriter).map { "w\(writer)-\($0)" } })
        #expect(Set(slice.changes.map(\.changeID)) == expectedIDs)
        #expect(try await store.loadRecord(Samples.key)?.version == total)
    }
}
