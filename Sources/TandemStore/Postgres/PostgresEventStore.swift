import Logging
import PostgresNIO
import ServiceLifecycle
import TandemCore
import TandemEngine

/// The event store in a PostgreSQL database, shared by every node of a deployment.
///
/// Unlike `SQLiteEventStore` many processes may write at once: `append` is one statement whose conditional
/// `UPDATE … WHERE version = v - 1` (an `INSERT … ON CONFLICT DO NOTHING` for a record's first change) takes the
/// record's row lock and re-checks the version after waiting, so versions stay one gap-free sequence across
/// nodes. JSON columns are JSONB; the record's fields are merged in SQL (`fields || {field: value}`).
///
/// Lifecycle: the pool works only while `run()` runs. Either hand the store to a `ServiceGroup` (it is a
/// `Service`; cancelling `run()` or a graceful shutdown closes the pool) and call `migrate()` once it runs, or use
/// `withStore(url:…)`, which runs the pool in a child task, migrates, runs the body and closes the pool.
///
/// - Warning: JSONB and TEXT cannot hold U+0000; a value containing it fails with a `StoreError` (SQLite stores it).
public final class PostgresEventStore: DurableEventStore, Service {
    /// How the store uses its pool.
    public struct Options: Sendable {
        /// Connections the pool may open; each concurrent call holds one while it runs.
        public var maximumConnections: Int
        /// The longest one call may take, waiting for a connection included (an unreachable server makes the pool
        /// wait forever). Past it the call throws a `StoreError`; a write may still land, and a retried change is
        /// then recognised by its change id. A statement already running on the server finishes first.
        public var operationTimeout: Duration

        public init(maximumConnections: Int = 8, operationTimeout: Duration = .seconds(10)) {
            precondition(maximumConnections > 0 && operationTimeout > .zero, "invalid PostgresEventStore options")
            self.maximumConnections = maximumConnections
            self.operationTimeout = operationTimeout
        }
    }

    public let url: PostgresURL
    public let options: Options
    let client: PostgresClient
    let logger: Logger
    let clock: any Clock<Duration>

    /// An arbitrary, fixed advisory-lock key that serializes migrations between processes.
    static let migrationLockKey: Int64 = 0x54_616E_6465_6D01

    /// Makes the store and its pool; nothing connects until `run()` runs. `clock` times `operationTimeout`.
    public init(
        url: PostgresURL,
        logger: Logger = Logger(label: "tandem.store.postgres"),
        options: Options = Options(),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.url = url
        self.options = options
        self.logger = logger
        self.clock = clock
        client = PostgresClient(
            configuration: url.clientConfiguration(maximumConnections: options.maximumConnections),
            backgroundLogger: logger
        )
    }

    public convenience init(
        url: String,
        logger: Logger = Logger(label: "tandem.store.postgres"),
        options: Options = Options()
    ) throws {
        self.init(url: try PostgresURL(url), logger: logger, options: options)
    }

    /// Runs the connection pool until cancelled (or a graceful shutdown); call it exactly once.
    public func run() async {
        await client.run()
    }

    /// Runs the pool in a child task, migrates, hands the store to `body` and closes the pool when it returns.
    public static func withStore<Result: Sendable>(
        url: PostgresURL,
        logger: Logger = Logger(label: "tandem.store.postgres"),
        options: Options = Options(),
        _ body: (PostgresEventStore) async throws -> Result
    ) async throws -> Result {
        let store = PostgresEventStore(url: url, logger: logger, options: options)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }

    // MARK: Migrations

    /// Brings the schema up to date (safe to call from several processes at once) and returns the versions applied
    /// by this call.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let context = "migrate \(url)"
        return try await transaction(context) { connection in
            _ = try await self.rows(
                connection,
                "\(context): lock",
                "SELECT pg_advisory_xact_lock($1)",
                Self.binds(Self.migrationLockKey)
            )
            _ = try await self.rows(
                connection,
                "\(context): create schema_migrations",
                Migration.ledger(for: .postgres)
            )
            let applied = try await self.appliedVersions(connection)
            var newlyApplied: [Int] = []
            for migration in try Migration.pending(applied: applied, context: context) {
                for statement in migration.statements(for: .postgres) {
                    _ = try await self.rows(
                        connection,
                        "\(context) to v\(migration.version) (\(migration.name))",
                        statement
                    )
                }
                _ = try await self.rows(
                    connection,
                    "\(context) to v\(migration.version): insert into schema_migrations",
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    Self.binds(Int64(migration.version), migration.name)
                )
                newlyApplied.append(migration.version)
            }
            return newlyApplied
        }
    }

    public func appliedMigrations() async throws -> [Int] {
        try await withConnection("read schema_migrations") { connection in try await self.appliedVersions(connection) }
    }

    private func appliedVersions(_ connection: PostgresConnection) async throws(StoreError) -> [Int] {
        let context = "read schema_migrations"
        let rows = try await self.rows(connection, context, "SELECT version FROM schema_migrations ORDER BY version")
        var versions: [Int] = []
        for row in rows { versions.append(try StoreJSON.int(try decode(row, Int64.self, context), context)) }
        return versions
    }

    // MARK: Driver plumbing

    func withConnection<Result: Sendable>(
        _ context: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws(StoreError) -> Result {
        try await withDeadline(context) { [client] in
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    func transaction<Result: Sendable>(
        _ context: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws(StoreError) -> Result {
        try await withDeadline(context) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs `body` against `operationTimeout`; every failure becomes a `StoreError` naming `context`.
    private func withDeadline<Result: Sendable>(
        _ context: String,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws(StoreError) -> Result {
        let timeout = options.operationTimeout
        let clock = self.clock
        do {
            return try await withThrowingTaskGroup(of: Result.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await clock.sleep(for: timeout)
                    throw StoreError("\(context): no answer from \(self.url) within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
        } catch {
            throw PostgresFailure.storeError(error, context)
        }
    }

    func rows(
        _ connection: PostgresConnection,
        _ context: @autoclosure () -> String,
        _ sql: String,
        _ binds: PostgresBindings = PostgresBindings()
    ) async throws(StoreError) -> [PostgresRow] {
        do {
            return try await connection.query(PostgresSQL.query(sql, binds), logger: logger).collect()
        } catch {
            throw PostgresFailure.storeError(error, context())
        }
    }

    func decode<each Column: PostgresDecodable>(
        _ row: PostgresRow,
        _ type: (repeat each Column).Type,
        _ context: @autoclosure () -> String
    ) throws(StoreError) -> (repeat each Column) {
        do {
            return try row.decode(type)
        } catch {
            throw StoreError.corrupt("\(context()): unexpected column types: \(error)")
        }
    }

    static func binds<each Value: PostgresNonThrowingEncodable>(_ values: repeat each Value) -> PostgresBindings {
        var binds = PostgresBindings()
        repeat binds.append(each values)
        return binds
    }
}
