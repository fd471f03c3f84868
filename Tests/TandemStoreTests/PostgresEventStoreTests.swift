import TandemTestSupport
import Foundation
import TandemEngine
import TandemStore
import Testing

/// What only the PostgreSQL store promises: URL handling and driver failures as `StoreError`.
@Suite("PostgreSQL event store")
struct PostgresEventStoreTests {
    @Test
    func aURLGivesHostPortUserPasswordAndDatabase() throws {
        let url = try PostgresURL("postgres://tandem:s%40cret@db.local:6543/collab?sslmode=disable")
        #expect(url.host == "db.local" && url.port == 6543 && url.username == "tandem")
        #expect(url.password == "s@cret" && url.database == "collab")
        #expect(url.description == "postgres://tandem@db.local:6543/collab")
        #expect(try PostgresURL("postgresql://u@h/d").port == 5432)
    }

    @Test(arguments: [
        "http://u@h/d", "postgres://h:1/d", "postgres://u@h:1", "postgres://u@h/d?sslmode=require",
        "postgres://u@h/d?color=blue",
    ])
    func aMalformedURLIsAStoreError(text: String) {
        let error = #expect(throws: StoreError.self) { try PostgresURL(text) }
        #expect(error?.kind == .misconfigured)
    }

    @Test
    func aRowThisBuildCannotReadIsACorruptStoreErrorNamingIt() async throws {
        try await TestPostgres.withStore { store, url throws in
            _ = try await store.append(Samples.change(version: 1), autoResolved: nil)
            // Past the trigger that refuses such a write from another application (`Migration.externalWrites`).
            try await TestPostgres.execute("ALTER TABLE tandem_records DISABLE TRIGGER tandem_external_write", on: url)
            try await TestPostgres.execute("UPDATE tandem_records SET fields = '[1]'", on: url)
            let error = await #expect(throws: StoreError.self) { _ = try await store.loadRecord(Samples.key) }
            #expect(error?.kind == .corrupt)
            #expect(error?.message.contains("fields is not a JSON object") == true, "\(String(describing: error))")
        }
    }

    @Test
    func theMissingURLMessageSaysToRunTheTestScript() {
        #expect(TestPostgres.NotConfigured().description.contains("scripts/test.sh"))
    }

    @Test
    func aValueWithANULCharacterIsAStoreErrorNotACrash() async throws {
        try await TestPostgres.withStore { store, _ throws in
            let error = await #expect(throws: StoreError.self) {
                try await store.append(Samples.change(version: 1, value: "a\u{0}b"), autoResolved: nil)
            }
            #expect(error?.message.contains("append Contact:42 v1") == true, "\(String(describing: error))")
            #expect(try await store.append(Samples.change(version: 1), autoResolved: nil) == .appended)
        }
    }

    @Test
    func anUnreachableServerIsAStoreErrorAfterTheOperationTimeout() async throws {
        let url = try PostgresURL("postgres://postgres@127.0.0.1:1/postgres")
        let options = PostgresEventStore.Options(maximumConnections: 1, operationTimeout: .milliseconds(300))
        let store = PostgresEventStore(url: url, logger: TestPostgres.quietLogger, options: options)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            let error = await #expect(throws: StoreError.self) {
                try await store.append(Samples.change(version: 1), autoResolved: nil)
            }
            #expect(error?.message.contains("append Contact:42 v1") == true, "\(String(describing: error))")
            #expect(error?.message.contains("no answer") == true, "\(String(describing: error))")
        }
    }

    @Test
    func aMissingTableIsAStoreErrorNamingTheOperationAndTable() async throws {
        try await TestPostgres.withStore { store, url throws in
            try await TestPostgres.execute("DROP TABLE tandem_comments", on: url)
            let error = await #expect(throws: StoreError.self) {
                try await store.appendComment(Samples.comment("c"), to: Samples.key)
            }
            let message = error?.message ?? ""
            #expect(message.contains("tandem_comments") && message.contains("42P01"), "\(message)")
        }
    }
}
