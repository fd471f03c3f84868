import TandemTestSupport
import Foundation
import TandemCore
import TandemEngine
import TandemStore
import Testing

/// An acknowledged change survives its writer being killed with SIGKILL mid-stream.
@Suite("Crash durability")
struct CrashDurabilityTests {
    /// The writer is killed once it has printed this many acks, while it is still appending.
    static let ackedBeforeKill = 40
    static let changesRequested = 100_000
    static let key = RecordKey(model: "Crash", recordID: "1")

    @Test(.timeLimit(.minutes(2)))
    func everyChangeAckedBeforeSIGKILLIsInTheSQLiteFile() async throws {
        try await TemporarySQLite.withFolder { folder in
            let path = folder.appendingPathComponent("crash.sqlite").path
            let acked = try await Self.runAndKill(["sqlite", path, "\(Self.changesRequested)"])
            let store = try await SQLiteEventStore(path: path)
            try await Self.expectPresent(acked, in: store)
            await store.close()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func everyChangeAckedBeforeSIGKILLIsInPostgres() async throws {
        try await TestPostgres.withStore { store, url throws in
            let acked = try await Self.runAndKill(["postgres", "\(url)", "\(Self.changesRequested)"])
            try await Self.expectPresent(acked, in: store)
        }
    }

    /// Starts the helper, SIGKILLs it after `ackedBeforeKill` acks, and returns every version it printed.
    static func runAndKill(_ arguments: [String]) async throws -> [Int] {
        let child = try ChildProcess(try ChildProcess.helper("store-crash-helper"), arguments: arguments)
        var acked: [Int] = []
        var killed = false
        for await line in child.lines {
            guard line.hasPrefix("acked "), let version = Int(line.dropFirst(6)) else {
                Issue.record("unexpected helper output: \(line)")
                continue
            }
            acked.append(version)
            if !killed && acked.count >= ackedBeforeKill {
                child.kill(SIGKILL)
                killed = true
            }
        }
        #expect(killed, "the helper ended before it was killed, after \(acked.count) acks")
        #expect(child.process.processIdentifier > 0)
        return acked
    }

    /// A PostgreSQL backend may still finish the killed writer's last statement, so the record is read before
    /// the log: the log may then hold more, never less, and never a gap.
    static func expectPresent(_ acked: [Int], in store: any EventStore) async throws {
        #expect(acked == Array(1...acked.count), "acks were not 1…n in order")
        let recordVersion = try #require(try await store.loadRecord(key)).version
        let stored = try await store.changes(key, after: 0, limit: changesRequested).changes.map(\.version)
        #expect(stored == Array(1...max(1, stored.count)), "the stored log has a gap")
        #expect(recordVersion >= acked.count, "acked \(acked.count) changes but the record is at v\(recordVersion)")
        #expect(
            stored.count >= recordVersion,
            "the record is at v\(recordVersion) but the log ends at v\(stored.count)"
        )
    }
}
