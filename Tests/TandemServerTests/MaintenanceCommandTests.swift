import TandemTestSupport
import Foundation
import TandemCore
import TandemEngine
import TandemStore
import Testing

/// `tandem-server migrate`, `prune` and `cleanup-sessions` against real SQLite and PostgreSQL stores: they print
/// counts, archive rather than delete, and leave recent rows alone.
@Suite(.timeLimit(.minutes(2)))
struct MaintenanceCommandTests {
    enum Kind: String, CaseIterable, Sendable { case sqlite, postgres }

    static let old = RecordKey(model: "Contact", recordID: "1")
    static let recent = RecordKey(model: "Contact", recordID: "2")
    static let alice = UserRef(id: 1, username: "alice")
    static let day: Int64 = 86_400_000

    @Test(arguments: Kind.allCases)
    func migrateCreatesTheSchemaOnceAndSaysSoTheSecondTime(_ kind: Kind) async throws {
        try await Self.withConfiguredStore(kind) { config, _ in
            let first = try await ServerProcess.runCLI(["migrate", "--config", config])
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("schema versions 1, 2, 3, 4, 5 (applied now: 1, 2, 3, 4, 5)"), "\(first.output)")
            let second = try await ServerProcess.runCLI(["migrate", "--config", config])
            #expect(second.status == 0, "\(second.output)")
            #expect(second.output.contains("schema versions 1, 2, 3, 4, 5 (already up to date)"), "\(second.output)")
        }
    }

    @Test(arguments: Kind.allCases)
    func pruneArchivesOnlyRowsOlderThanTheCutOff(_ kind: Kind) async throws {
        try await Self.withConfiguredStore(kind) { config, open in
            let now = Int64(Date().timeIntervalSince1970 * 1_000)
            try await open { store in try await Self.seed(store, now: now) }
            let pruned = try await ServerProcess.runCLI(["prune", "--older-than", "30d", "--config", config])
            #expect(pruned.status == 0, "\(pruned.output)")
            #expect(pruned.output.contains("archived 3 changes"), "\(pruned.output)")
            #expect(pruned.output.contains("and 1 audit events"), "\(pruned.output)")
            try await open { store async throws in
                #expect(try await store.rowCount(.changeLog) == 2)
                #expect(try await store.rowCount(.changeLogArchive) == 3)
                #expect(try await store.rowCount(.auditEvents) == 1)
                #expect(try await store.rowCount(.auditEventsArchive) == 1)
                #expect(try await store.loadRecord(Self.old)?.version == 5, "record state stays")
                #expect(try await store.changes(Self.old, after: 0, limit: 10).reachesBack == false)
                #expect(try await store.changes(Self.old, after: 3, limit: 10).changes.map(\.version) == [4, 5])
            }
            let again = try await ServerProcess.runCLI(["prune", "--older-than", "30d", "--config", config])
            #expect(again.output.contains("archived 0 changes") && again.output.contains("and 0 audit events"))
        }
    }

    @Test(arguments: Kind.allCases)
    func cleanupSessionsMarksOnlyIdleSessionsInactive(_ kind: Kind) async throws {
        try await Self.withConfiguredStore(kind) { config, open in
            let now = Int64(Date().timeIntervalSince1970 * 1_000)
            try await open { store in try await Self.seed(store, now: now) }
            let cleaned = try await ServerProcess.runCLI(["cleanup-sessions", "--older-than", "24h", "--config", config])
            #expect(cleaned.status == 0, "\(cleaned.output)")
            #expect(cleaned.output.contains("marked 1 sessions inactive"), "\(cleaned.output)")
            try await open { store async throws in
                #expect(try await store.session(Self.old)?.status == .inactive)
                #expect(try await store.session(Self.old)?.participants == [])
                #expect(try await store.session(Self.recent)?.status == .active)
                #expect(try await store.rowCount(.sessions) == 2, "nothing deleted")
            }
        }
    }

    @Test func withTheMemoryStoreTheCommandsSayThereIsNothingToDo() async throws {
        let folder = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.writeConfig(TestConfig.node("test-node", database: "memory:"), in: folder)
        for command in ["migrate", "prune", "cleanup-sessions"] {
            let result = try await ServerProcess.runCLI([command, "--config", config])
            #expect(result.status == 0, "\(command): \(result.output)")
            #expect(result.output.contains("needs a durable store"), "\(command): \(result.output)")
        }
    }

    /// Old: record 1's changes 1–3 (40 days ago) and its join (40 days ago); recent: its changes 4–5 and
    /// record 2's join, an hour ago.
    static func seed(_ store: any DurableEventStore, now: Int64) async throws {
        for version in 1...5 {
            let at = version <= 3 ? now - 40 * day : now - day / 24
            let change = ChangeEntry(
                changeID: "seed-\(version)", key: old, field: "age", version: version, baseVersion: version - 1,
                op: nil, oldValue: .number(Double(version - 1)), newValue: .number(Double(version)), user: alice,
                timestampMillis: at, origin: .ws
            )
            #expect(try await store.append(change, autoResolved: nil) == .appended)
        }
        try await store.appendAudit([
            AuditEvent(kind: .sessionJoined, key: old, user: alice, createdAtMillis: now - 40 * day),
            AuditEvent(kind: .sessionJoined, key: recent, user: alice, createdAtMillis: now - day / 24),
        ])
    }

    /// Runs `body` with a config file naming a fresh store of `kind`, and a way to open that store directly.
    static func withConfiguredStore(
        _ kind: Kind,
        _ body: (String, (_ use: (any DurableEventStore) async throws -> Void) async throws -> Void) async throws -> Void
    ) async throws {
        let folder = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        switch kind {
        case .sqlite:
            let path = folder.appendingPathComponent("store/maintenance.sqlite").path
            let config = try writeConfig(TestConfig.node("test-node", database: "sqlite:\(path)"), in: folder)
            try await body(config) { use in
                let store = try await SQLiteEventStore(path: path)
                do {
                    try await use(store)
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
            }
        case .postgres:
            try await TestPostgres.withDatabase { url in
                let config = try writeConfig(TestConfig.node("test-node", database: TestPostgres.configURL(url)), in: folder)
                try await body(config) { use in try await TestPostgres.withStore(url) { store in try await use(store) } }
            }
        }
    }

    static func writeConfig(_ config: String, in folder: URL) throws -> String {
        let file = folder.appendingPathComponent("tandem.yaml")
        try config.replacingOccurrences(of: "{{DATA}}", with: folder.appendingPathComponent("data").path)
            .write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}
