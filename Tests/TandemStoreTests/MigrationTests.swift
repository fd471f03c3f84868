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
            #expect(try await first.appliedMigrations() == Self.every)
            _ = try await first.append(Samples.change(version: 1), autoResolved: nil)
            await first.close()
            let second = try await SQLiteEventStore(path: path)
            #expect(try await second.appliedMigrations() == Self.every)
            #expect(try await second.rowCount(.migrations) == Self.every.count)
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
            try await PostgresEventStore.withStore(url: url, logger: TestPostgres.quietLogger, options: TestPostgres.options) { first in
                try await PostgresEventStore.withStore(url: url, logger: TestPostgres.quietLogger, options: TestPostgres.options) { second in
                    async let again = first.migrate()
                    async let andAgain = second.migrate()
                    let applied = try await [again, andAgain]
                    #expect(applied == [[], []])
                    #expect(try await first.appliedMigrations() == Self.every)
                    #expect(try await second.rowCount(.migrations) == Self.every.count)
                }
            }
        }
    }

    @Test
    func concurrentFirstMigrationsOfAnEmptyPostgresDatabaseApplyEachVersionOnce() async throws {
        try await TestPostgres.withDatabase { url in
            let first = PostgresEventStore(url: url, logger: TestPostgres.quietLogger, options: TestPostgres.options)
            let second = PostgresEventStore(url: url, logger: TestPostgres.quietLogger, options: TestPostgres.options)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await first.run() }
                group.addTask { await second.run() }
                defer { group.cancelAll() }
                async let one = first.migrate()
                async let two = second.migrate()
                let applied = try await [one, two]
                #expect(applied.sorted { $0.count < $1.count } == [[], Self.every])
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

    /// Every schema version this build knows.
    static let every = [1, 2, 3, 4, 5]

    /// The statements that take a database back to schema version 2 (before record deletion, id sequences and
    /// the trigger for outside writes, which PostgreSQL alone has).
    static func undoRecordDeletion(postgres: Bool) -> [String] {
        (postgres
            ? ["DROP TRIGGER tandem_external_write ON tandem_records", "DROP FUNCTION tandem_external_write()"] : [])
            + undoRecordDeletion
    }

    static let undoRecordDeletion = [
        "DELETE FROM schema_migrations WHERE version = 5",
        "DROP TABLE tandem_record_sequences",
        "DELETE FROM schema_migrations WHERE version = 4",
        "ALTER TABLE ab_model_change_log DROP COLUMN change_type",
        "ALTER TABLE ab_model_change_log_archive DROP COLUMN change_type",
        "ALTER TABLE tandem_records DROP COLUMN deleted",
        "DELETE FROM schema_migrations WHERE version = 3",
    ]

    @Test
    func migratingASQLiteFileFromVersion2MarksFirstChangesAsInserts() async throws {
        try await TemporarySQLite.withFolder { folder in
            let path = folder.appendingPathComponent("db.sqlite").path
            let old = try await SQLiteEventStore(path: path)
            _ = try await old.append(Samples.change(version: 1), autoResolved: nil)
            _ = try await old.append(Samples.change(version: 2), autoResolved: nil)
            for statement in Self.undoRecordDeletion(postgres: false) { try await old.executeForTesting(statement) }
            #expect(try await old.appliedMigrations() == [1, 2])
            await old.close()
            let store = try await SQLiteEventStore(path: path)
            #expect(try await store.appliedMigrations() == Self.every)
            let log = try await store.changes(Samples.key, after: 0, limit: 10).changes
            #expect(log.map(\.kind) == [.insert, .update])
            #expect(try await store.loadRecord(Samples.key)?.deleted == false)
            await store.close()
        }
    }

    @Test
    func migratingAPostgresDatabaseFromVersion2MarksFirstChangesAsInserts() async throws {
        try await TestPostgres.withStore { store, url throws in
            _ = try await store.append(Samples.change(version: 1), autoResolved: nil)
            _ = try await store.append(Samples.change(version: 2), autoResolved: nil)
            for statement in Self.undoRecordDeletion(postgres: true) { try await TestPostgres.execute(statement, on: url) }
            #expect(try await store.migrate() == [3, 4, 5])
            let log = try await store.changes(Samples.key, after: 0, limit: 10).changes
            #expect(log.map(\.kind) == [.insert, .update])
            #expect(try await store.loadRecord(Samples.key)?.deleted == false)
        }
    }
}
