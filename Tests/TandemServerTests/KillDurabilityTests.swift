import TandemTestSupport
import Foundation
import TandemCore
import TandemEngine
import TandemStore
import Testing
import TandemCoreTestSupport

/// SIGKILL in the middle of a burst of changes: every change the server acknowledged is in the store when it
/// comes back, with the version it was acknowledged at, and a restarted node never reuses an old change id.
@Suite(.timeLimit(.minutes(3)))
struct KillDurabilityTests {
    static let key = RecordKey(model: "Contact", recordID: "1")
    /// Changes sent without waiting; the server is killed once `ackedBeforeKill` of them were acknowledged.
    static let burstCount = 400
    static let ackedBeforeKill = 25

    @Test func everyAcknowledgedChangeSurvivesSIGKILLWithSQLite() async throws {
        let folder = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // No database.url: the default store, SQLite at <data_dir>/tandem.sqlite.
        let file = folder.appendingPathComponent("data/tandem.sqlite").path
        try await Self.burstKillRestart(config: TestConfig.standard, directory: folder) { check in
            #expect(FileManager.default.fileExists(atPath: file), "the default store is not at \(file)")
            let store = try await SQLiteEventStore(path: file)
            do {
                try await check(store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    @Test func everyAcknowledgedChangeSurvivesSIGKILLWithPostgres() async throws {
        try await TestPostgres.withDatabase { url in
            let folder = try ServerProcess.makeDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let config = TestConfig.node("test-node", database: TestPostgres.configURL(url))
            try await Self.burstKillRestart(config: config, directory: folder) { check in
                try await TestPostgres.withStore(url) { store in try await check(store) }
            }
        }
    }

    /// One acknowledged change: the id the client gave it and the version the server acknowledged.
    struct Acked: Sendable, Hashable {
        var changeID: String
        var version: Int
    }

    /// Sends a burst, SIGKILLs the server after the first acks, restarts it on the same store and checks the
    /// record, the change log (through `inspect`, which opens the store directly) and a fresh change.
    static func burstKillRestart(
        config: String,
        directory: URL,
        inspect: (_ check: (any EventStore) async throws -> Void) async throws -> Void
    ) async throws {
        let server = try await ServerProcess.start(config: config, directory: directory)
        let writer = try await ProtocolClient.login(server, as: "alice")
        try await writer.join()
        // A change without a change id: the node names it `<connection>#1`, which a restarted node must not repeat.
        #expect(try await writer.change("age", value: "0", base: 0, rid: 2).int("version") == 1)
        for number in 1...burstCount {
            try await writer.send(
                #"{"type":"field_change","session_id":"Contact:1","field":"age","base_version":1,"value":\#(number),"change_id":"burst-\#(number)","rid":\#(1_000 + number)}"#
            )
        }
        // More than `ackedBeforeKill` acks of the burst: the first ack (version 1, above) is not one of them.
        try await waitUntil("\(ackedBeforeKill) acks of the burst", timeout: .seconds(60)) {
            writer.received("ack").count > ackedBeforeKill + 1
        }
        server.signal(SIGKILL)
        let exit = try await server.waitForExit()
        #expect(exit.signalled && exit.status == SIGKILL, "exit \(exit)")
        _ = try await writer.closed()
        let acked = writer.received("ack").compactMap { ack -> Acked? in
            guard let id = ack["change_id"]?.stringValue, id.hasPrefix("burst-") else { return nil }
            return Acked(changeID: id, version: ack.int("version"))
        }
        #expect(acked.count > ackedBeforeKill)
        #expect(acked.count < burstCount, "the whole burst was acknowledged before the kill; nothing was at risk")
        let lastAcked = acked.map(\.version).max() ?? 1

        let restarted = try await ServerProcess.start(config: config, directory: directory)
        do {
            let reader = try await ProtocolClient.login(restarted, as: "bob")
            let joined = try await reader.join()
            #expect(joined.int("version") >= lastAcked, "acked v\(lastAcked), the restarted server has \(joined)")
            try await inspect { store in
                let record = try #require(try await store.loadRecord(key))
                #expect(record.version >= lastAcked)
                for change in acked {
                    let stored = try await store.change(key, id: change.changeID)
                    #expect(stored?.version == change.version, "acked \(change) but the store has \(String(describing: stored))")
                }
                let log = try await store.changes(key, after: 0, limit: burstCount + 10).changes
                #expect(log.map(\.version) == Array(1...record.version), "the change log has a gap")
            }
            // The restarted node's first change must commit, not pass for a retry of the old `…/c1#1`.
            let base = joined.int("version")
            let fresh = try await reader.change("age", value: "-1", base: base, rid: 5)
            #expect(fresh.string("type") == "ack" && fresh.int("version") == base + 1, "\(fresh)")
            #expect(fresh.string("change_id") != "test-node/c1#1")
        } catch {
            Issue.record("restarted server log:\n\(restarted.serverLog.suffix(4_000))")
            await restarted.stop(keepFiles: true)
            throw error
        }
        await restarted.stop(keepFiles: true)
    }
}
