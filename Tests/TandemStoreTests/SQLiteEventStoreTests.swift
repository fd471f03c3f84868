import Foundation
import TandemEngine
import TandemStore
import Testing

/// What only the SQLite store promises: its durability settings, its own thread, and errors as `StoreError`.
@Suite("SQLite event store")
struct SQLiteEventStoreTests {
    @Test
    func theStoreRunsOnItsOwnThreadInWALModeWithFullSync() async throws {
        try await TemporarySQLite.withStore { store, _ throws in
            #expect(await store.isOnStoreThread())
            #expect(try await store.pragma("journal_mode") == "wal")
            #expect(try await store.pragma("synchronous") == "2")
        }
    }

    @Test
    func aRowThisBuildCannotReadIsACorruptStoreErrorNamingIt() async throws {
        try await TemporarySQLite.withStore { store, _ throws in
            _ = try await store.append(Samples.change(version: 1), autoResolved: nil)
            try await store.executeForTesting("UPDATE tandem_records SET fields = '[1]'")
            let error = await #expect(throws: StoreError.self) { _ = try await store.loadRecord(Samples.key) }
            #expect(error?.kind == .corrupt)
            #expect(error?.message.contains("tandem_records Contact:42: fields is not a JSON object") == true,
                    "\(String(describing: error))")
        }
    }

    @Test
    func aFolderThatCannotBeCreatedIsAStoreError() async throws {
        try await TemporarySQLite.withFolder { folder in
            let file = folder.appendingPathComponent("plain-file")
            try Data("not a folder".utf8).write(to: file)
            let error = await #expect(throws: StoreError.self) {
                _ = try await SQLiteEventStore(path: file.appendingPathComponent("db.sqlite").path)
            }
            #expect(error?.message.contains("cannot create folder") == true, "\(String(describing: error))")
        }
    }

    @Test
    func aMissingTableIsAStoreErrorNamingTheOperationAndTable() async throws {
        try await TemporarySQLite.withStore { store, _ throws in
            try await store.executeForTesting("DROP TABLE ab_model_change_log")
            let error = await #expect(throws: StoreError.self) {
                try await store.append(Samples.change(version: 1), autoResolved: nil)
            }
            let message = error?.message ?? ""
            #expect(message.contains("append Contact:42 v1") && message.contains("ab_model_change_log"), "\(message)")
            #expect(try await store.loadRecord(Samples.key) == nil)
        }
    }

    @Test
    func aClosedStoreAnswersWithAStoreError() async throws {
        try await TemporarySQLite.withStore { store, _ throws in
            await store.close()
            await #expect(throws: StoreError.self) { try await store.loadRecord(Samples.key) }
        }
    }

    @Test
    func aValueWithANULCharacterRoundTripsInSQLite() async throws {
        try await TemporarySQLite.withStore { store, _ throws in
            let change = Samples.change(version: 1, value: "a\u{0}b", changeID: "nul\u{0}id")
            #expect(try await store.append(change, autoResolved: nil) == .appended)
            #expect(try await store.change(Samples.key, id: "nul\u{0}id") == change)
            try await store.appendComment(Samples.comment("c", text: "x\u{0}y"), to: Samples.key)
            #expect(try await store.comments(Samples.key).first?.text == "x\u{0}y")
        }
    }
}
