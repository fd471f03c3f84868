import TandemTestSupport
import TandemEngine
import TandemStore
import Testing

/// Migrations are versioned, applied once, and refuse a database from a newer build.
@Suite("Store migrations")
struct MigrationTests {
    @Test
    func reopeningASQLiteFileAppliesNothingTwice() async throws {
        try await TemporarySQLite.withFolder { folder in
            let path = folder.appendingPathComponent("db.sqlite").path
            let first = try await SQLiteEventStore(path: path)
            #expect(try await first.appliedMigrations() == [1, 2])
            _ = try await first.append(Samples.change(version: 1), autoResolved: nil)
            await first.close()
            let second = try await SQLiteEventStore(path: path)
            #expect(try await second.appliedMigrations() == [1, 2])
            #expect(try await second.rowCount(.migrations) == 2)
            #expect(try await second.loadRecord(Samples.key)?.version == 1)
            await second.close()
        }
    }

    @Test
    func aSQLiteFileFromANewerBuildIsRefused() async throws {
        try await TemporarySQLite.withFolder { folder in
            let path = folder.appendingPathComponent("db.sqlite").path
            let store = try await SQLiteEventStore(path: path)
            try await store.executeForTesting("INSERT INTO schema_migrations (version, name) VALUES (99, 'future')")
            await store.close()
            let error = await #expect(throws: StoreError.self) { _ = try await SQLiteEventStore(path: path) }
            #expect(error?.message.contains("schema version 99") == true, "\(String(describing: error))")
        }
    }

    @Test
    func postgresMigratesOnceEvenWhenTwoStoresRaceToMigrate() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresEventStore.withStore(url: url, logger: TestPostgres.quietLogger) { first in
                try await PostgresEventStore.withStore(url: url, logger: TestPostgres.quietLogger) { second in
                    async let again = first.migrate()
                    async let andAgain = second.migrate()
                    let applied = try await [again, andAgain]
                    #expect(applied == [[], []])
                    #expect(try await first.appliedMigrations() == [1, 2])
                    #expect(try await second.rowCount(.migrations) == 2)
                }
            }
        }
    }

    @Test
    func concurrentFirstMigrationsOfAnEmptyPostgresDatabaseApplyEachVersionOnce() async throws {
        try await TestPostgres.withDatabase { url in
            let first = PostgresEventStore(url: url, logger: TestPostgres.quietLogger)
            let second = PostgresEventStore(url: url, logger: TestPostgres.quietLogger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await first.run() }
                group.addTask { await second.run() }
                defer { group.cancelAll() }
                async let one = first.migrate()
                async let two = second.migrate()
                let applied = try await [one, two]
                #expect(applied.sorted { $0.count < $1.count } == [[], [1, 2]])
            }
        }
    }

    @Test
    func aPostgresDatabaseFromANewerBuildIsRefused() async throws {
        try await TestPostgres.withStore { store, url throws in
            try await TestPostgres.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')",
                on: url
            )
            let error = await #expect(throws: StoreError.self) { try await store.migrate() }
            #expect(error?.message.contains("schema version 99") == true, "\(String(describing: error))")
        }
    }
}
