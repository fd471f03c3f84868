import Foundation
import TandemCore
import TandemCoreTestSupport
import TandemEngine
import TandemStore
import TandemTestSupport
import Testing

/// Writes another application makes directly in PostgreSQL (`UPDATE tandem_records …` in psql's place) reach the
/// collaborators on two real `tandem-server` processes as `model_changed` with `origin: "db"`: once each, in version
/// order with the engine's own changes, and the engine's writes are never echoed back as outside ones.
@Suite(.timeLimit(.minutes(4)))
struct ExternalWritesTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    @Test func anUpdateInTheDatabaseReachesCollaboratorsOnBothNodesOnceAndInOrder() async throws {
        try await withTwoNodes(streamKey: "tandem:db") { nodeA, nodeB, _, database in
            try await Self.exercise(nodeA: nodeA, nodeB: nodeB, database: database)
        }
    }

    static func exercise(nodeA: ServerProcess, nodeB: ServerProcess, database: PostgresURL) async throws {
        let a = Writer(client: try await ProtocolClient.login(nodeA, as: "alice"), field: "age", rid: 100)
        let b = Writer(client: try await ProtocolClient.login(nodeB, as: "bob"), field: "name", rid: 5_000)
        try await a.client.join()
        try await b.client.join(rid: 2)
        for _ in 0..<3 { try await a.commit() }
        try await b.waitForVersion(3)

        // 1. Another application changes two fields in one UPDATE: two versions, fields in name order.
        try await TestPostgres.execute(
            """
            UPDATE tandem_records SET fields = fields || '{"name": "Set in SQL", "email": "sql@example.com"}'
            WHERE model_name = 'Contact' AND record_id = '1'
            """,
            on: database
        )
        for writer in [a, b] { try await writer.waitForVersion(5) }
        for writer in [a, b] {
            let fromDB = writer.client.received("model_changed").filter { $0["origin"] == "db" }
            #expect(fromDB.map { $0.int("version") } == [4, 5], "\(writer.client.name): \(fromDB)")
            #expect(fromDB.map { $0.string("field") } == ["email", "name"])
            #expect(fromDB.last?["value"] == "Set in SQL")
            // The writer is the database role that made the change.
            #expect(fromDB.allSatisfy { $0["user"]?["username"] == .string(database.username) && $0["user"]?["id"] == 0 }, "\(fromDB)")
        }

        // 2. The engine goes on from there on either node; a second outside write lands between engine writes.
        try await b.commit()
        try await a.waitForVersion(6)
        try await TestPostgres.execute(
            "UPDATE tandem_records SET fields = jsonb_set(fields, '{age}', '99') WHERE record_id = '1'", on: database)
        try await a.waitForVersion(7)
        try await a.commit()
        try await b.waitForVersion(8)

        // 3. An UPDATE that changes no field value is no change, and a refused one changes nothing.
        try await TestPostgres.execute(
            "UPDATE tandem_records SET fields = fields WHERE record_id = '1'", on: database)
        await #expect(throws: (any Error).self) {
            try await TestPostgres.execute("DELETE FROM tandem_records WHERE record_id = '1'", on: database)
        }
        await #expect(throws: (any Error).self) {
            try await TestPostgres.execute("UPDATE tandem_records SET fields = '[1]' WHERE record_id = '1'", on: database)
        }
        try await b.commit()
        try await a.waitForVersion(9)

        // Every client saw 1…9 exactly once, in order; only the two outside writes came as origin db.
        for writer in [a, b] {
            #expect(writer.versionsSeen == Array(1...9), "\(writer.client.name) saw \(writer.versionsSeen)")
            let origins = writer.client.received("model_changed").map { "\($0.int("version")):\($0.string("origin"))" }
            #expect(origins.filter { $0.hasSuffix(":db") } == ["4:db", "5:db", "7:db"], "\(origins)")
        }
        try await TestPostgres.withStore(database) { store in
            let log = try await store.changes(key, after: 0, limit: 100).changes
            #expect(log.map(\.version) == Array(1...9))
            #expect(log.filter { $0.origin == .db }.map(\.version) == [4, 5, 7])
            #expect(log.first { $0.version == 7 }?.oldValue == .number(3))
            #expect(log.first { $0.version == 7 }?.newValue == .number(99))
            let record = try #require(try await store.loadRecord(key))
            #expect(record.version == 9)
            #expect(record.fields["email"] == "sql@example.com")
        }
        // The REST view on both nodes agrees with the database.
        for server in [nodeA, nodeB] {
            let record = try await HTTP.request(
                "GET", "\(server.baseURL)/api/v1/Contact/1", token: try await HTTP.login(server, "ada", "ada-pw")
            ).json
            #expect(record?.int("version") == 9, "\(server.port): \(String(describing: record))")
        }
    }
}
