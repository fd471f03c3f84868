import TandemRuntime
import Foundation
import TandemCore
import TandemEngine

/// The event store in one SQLite file: WAL journal, `synchronous=FULL`, every sqlite3 call on one dedicated thread.
///
/// Unlike `PostgresEventStore` it needs no server and suits one node (or a few processes on one machine: writers
/// take the file's write lock with `BEGIN IMMEDIATE`, so `append` stays the sequencer across processes). An
/// `append` that returned `.appended` has been fsynced to the WAL, so it survives SIGKILL and power loss.
///
/// - Warning: the actor runs on its own thread, never on the cooperative pool; `close()` it (or drop every
///   reference) to end that thread.
public actor SQLiteEventStore: DurableEventStore {
    /// Where the server keeps its database unless told otherwise.
    public static let defaultPath = "./data/tandem.sqlite"

    private let executor: DedicatedThreadExecutor
    let connection: SQLiteConnection
    public let path: String

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens (creating the file and its folder when missing) and migrates the database at `path`.
    public init(path: String = SQLiteEventStore.defaultPath) async throws {
        self.path = path
        executor = DedicatedThreadExecutor(name: "tandem-sqlite")
        connection = SQLiteConnection(path: path)
        // From here on an async actor initializer runs on the actor's executor: the dedicated thread.
        assert(executor.isCurrent, "SQLiteEventStore.init did not hop to its dedicated thread")
        do {
            try Self.createFolder(of: path)
            try connection.open()
            try configure()
            try migrate()
        } catch {
            connection.close()
            executor.shutdown()
            throw error
        }
    }

    deinit {
        // The connection closes itself when released, after this; no job can be using it any more.
        executor.shutdown()
    }

    /// Closes the database; every later call throws a `StoreError`.
    public func close() {
        connection.close()
    }

    /// Whether the caller runs on the store's dedicated thread (for tests of the threading promise).
    package func isOnStoreThread() -> Bool { executor.isCurrent }

    private func configure() throws(StoreError) {
        var journalMode = ""
        try connection.query("PRAGMA journal_mode=WAL", [], context: "open \(path): set journal_mode") { row in
            journalMode = row.text(0)
        }
        guard journalMode.lowercased() == "wal" else {
            throw StoreError.misconfigured("open \(path): journal_mode is \(journalMode), not wal (a read-only or in-memory file?)")
        }
        try connection.execute("PRAGMA synchronous=FULL", context: "open \(path): set synchronous")
    }

    package func pragma(_ name: String) throws -> String {
        precondition(name.allSatisfy { $0.isLetter || $0 == "_" }, "not a pragma name: \(name)")
        var value = ""
        try connection.query("PRAGMA \(name)", [], context: "read pragma \(name)") { row in value = row.text(0) }
        return value
    }

    /// Runs raw SQL on the store's connection: for tests that must break or inspect the database.
    package func executeForTesting(_ sql: String) throws {
        try connection.execute(sql, context: "test SQL")
    }

    private static func createFolder(of path: String) throws(StoreError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError("open \(path): cannot create folder \(folder.path): \(error)")
        }
    }

    // MARK: Migrations

    private func migrate() throws(StoreError) {
        try connection.transaction("migrate \(path)") { () throws(StoreError) in
            try connection.execute(Migration.ledger(for: .sqlite), context: "migrate: create schema_migrations")
            let pending = try Migration.pending(applied: try appliedVersions(), context: "migrate \(path)")
            for migration in pending {
                for statement in migration.statements(for: .sqlite) {
                    try connection.execute(statement, context: "migrate to v\(migration.version) (\(migration.name))")
                }
                try connection.run(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [.integer(Int64(migration.version)), .text(migration.name)],
                    context: "migrate to v\(migration.version): insert into schema_migrations"
                )
            }
        }
    }

    private func appliedVersions() throws(StoreError) -> [Int] {
        var versions: [Int] = []
        try connection.query(
            "SELECT version FROM schema_migrations ORDER BY version",
            [],
            context: "read schema_migrations"
        ) { row in versions.append(Int(row.integer(0))) }
        return versions
    }

    public func appliedMigrations() throws -> [Int] { try appliedVersions() }
}
