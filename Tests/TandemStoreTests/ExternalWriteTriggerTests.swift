import Foundation
import Synchronization
import TandemCore
import TandemCoreTestSupport
import TandemEngine
import TandemStore
import TandemTestSupport
import Testing

/// The database side of writes from outside the engine (`Migration.externalWrites`): what another application's
/// `UPDATE`/`INSERT` becomes in the change log, what the store announces, and that the engine's own writes are
/// never announced.
@Suite("Writes from outside the engine (PostgreSQL)", .timeLimit(.minutes(2)))
struct ExternalWriteTriggerTests {
    @Test
    func anOutsideUpdateBecomesOneChangePerFieldAndIsAnnouncedButTheEnginesWritesAreNot() async throws {
        try await TestPostgres.withStore { store, url throws in
            let heard = Heard()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await store.listenForExternalWrites(onListening: { heard.listening.withLock { $0 = true } }) {
                        write in heard.writes.withLock { $0.append(write) }
                    }
                }
                defer { group.cancelAll() }
                try await waitUntil("the store to listen") { heard.listening.withLock { $0 } }

                #expect(try await store.append(Samples.change(version: 1, value: "engine"), autoResolved: nil) == .appended)
                try await TestPostgres.execute(
                    """
                    UPDATE tandem_records SET fields = fields || '{"title": "outside", "age": 7}', version = 1000
                    WHERE record_id = '42'
                    """,
                    on: url)
                try await waitUntil("the outside write to be announced") { heard.writes.withLock { $0.count } == 1 }
                #expect(try await store.append(Samples.change(version: 4, value: "engine again"), autoResolved: nil) == .appended)
                // A new record written from outside: one change per field, the first an insert.
                try await TestPostgres.execute(
                    """
                    INSERT INTO tandem_records (model_name, record_id, version, fields, field_versions)
                    VALUES ('Contact', '43', 0, '{"title": "made outside", "age": 1}', '{}')
                    """,
                    on: url)
                try await waitUntil("the outside insert to be announced") { heard.writes.withLock { $0.count } == 2 }
                // Notifications come in commit order: the engine's append between the two was not announced.
                #expect(heard.writes.withLock { $0 } == [
                    ExternalWrite(key: Samples.key, version: 3),
                    ExternalWrite(key: RecordKey(model: "Contact", recordID: "43"), version: 2),
                ])
            }

            let log = try await store.changes(Samples.key, after: 0, limit: 10).changes
            #expect(log.map(\.version) == [1, 2, 3, 4])
            #expect(log.map { $0.origin == .db } == [false, true, true, false])
            #expect(log[1].field == "age" && log[1].oldValue == .null && log[1].newValue == .number(7))
            #expect(log[2].field == "title" && log[2].oldValue == "engine" && log[2].newValue == "outside")
            #expect(log[1...2].allSatisfy { $0.kind == .update && $0.user.id == 0 && $0.changeID.hasPrefix("db-") })
            let record = try #require(try await store.loadRecord(Samples.key))
            #expect(record.version == 4, "the trigger keeps the version, not what the UPDATE wrote")
            #expect(record.fields["title"] == "engine again" && record.fields["age"] == .number(7))
            #expect(record.fieldVersions["age"] == 2 && record.fieldVersions["title"] == 4)
            let inserted = try await store.changes(RecordKey(model: "Contact", recordID: "43"), after: 0, limit: 10)
            #expect(inserted.changes.map(\.kind) == [.insert, .update])
            #expect(inserted.changes.map(\.field) == ["age", "title"])
        }
    }

    @Test
    func whatWouldBreakTheLogIsRefusedWithAMessageThatSaysWhy() async throws {
        try await TestPostgres.withStore { store, url throws in
            _ = try await store.append(Samples.change(version: 1), autoResolved: nil)
            for (sql, says) in [
                ("DELETE FROM tandem_records", "delete records through Tandem (DELETE /api/v1/contact/42)"),
                ("UPDATE tandem_records SET fields = '[1]'", "fields must be a JSON object"),
                ("UPDATE tandem_records SET record_id = '7'", "model_name and record_id cannot change"),
                ("""
                INSERT INTO tandem_records (model_name, record_id, version, fields, field_versions)
                VALUES ('Contact', '9', 0, '{}', '{}')
                """, "needs at least one field"),
            ] {
                let error = await #expect(throws: (any Error).self) { try await TestPostgres.execute(sql, on: url) }
                #expect(String(reflecting: error as Any).contains(says), "\(sql): \(String(reflecting: error as Any))")
            }
            let record = try #require(try await store.loadRecord(Samples.key))
            #expect(record.version == 1)
            #expect(try await store.changes(Samples.key, after: 0, limit: 10).changes.count == 1)
        }
    }

    @Test
    func anUnreadablePayloadIsNoWrite() {
        #expect(ExternalWrite(payload: #"{"model": "Contact", "record_id": "1", "version": 3}"#)
            == ExternalWrite(key: RecordKey(model: "Contact", recordID: "1"), version: 3))
        for payload in ["", "[]", #"{"model": "Contact", "version": 3}"#, #"{"model": "C", "record_id": "1", "version": 0}"#] {
            #expect(ExternalWrite(payload: payload) == nil, "\(payload)")
        }
    }
}

/// What the listener heard, shared with the task that listens.
private final class Heard: Sendable {
    let writes = Mutex<[ExternalWrite]>([])
    let listening = Mutex(false)
}
