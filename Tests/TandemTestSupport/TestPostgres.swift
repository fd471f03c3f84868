import Foundation
import Logging
import PostgresNIO
import TandemStore

/// The throwaway PostgreSQL that `scripts/test.sh` starts, for the test targets that need one.
///
/// Each test gets a database of its own (created, then dropped with FORCE), so tests run in parallel. Without
/// `TANDEM_TEST_POSTGRES_URL` a test fails with `NotConfigured`: it never passes silently.
public enum TestPostgres {
    public static let environmentVariable = "TANDEM_TEST_POSTGRES_URL"

    public struct NotConfigured: Error, CustomStringConvertible {
        public init() {}

        public var description: String {
            "\(TestPostgres.environmentVariable) is not set: run the PostgreSQL tests through scripts/test.sh "
                + "(it starts a throwaway cluster and exports the URL), e.g. scripts/test.sh --filter TandemStoreTests"
        }
    }

    public static func serverURL() throws -> PostgresURL {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else {
            throw NotConfigured()
        }
        return try PostgresURL(text)
    }

    public static var quietLogger: Logger {
        var logger = Logger(label: "tandem.test.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with the URL of a fresh database, dropped afterwards.
    public static func withDatabase<Result: Sendable>(
        _ body: (PostgresURL) async throws -> Result
    ) async throws -> Result {
        let server = try serverURL()
        let name = "tandem_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await execute("CREATE DATABASE \(name)", on: server)
        do {
            let result = try await body(server.with(database: name))
            try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            return result
        } catch {
            try? await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            throw error
        }
    }

    /// Test stores wait up to a minute for an answer: the store's 10 s default is there to report a dead
    /// database, and a 2-core CI machine running every suite at once (server processes, simulations, a login
    /// flood) can keep a healthy PostgreSQL busier than that. Tests of the timeout itself set their own.
    public static let operationTimeout: Duration = .seconds(60)

    public static let options = PostgresEventStore.Options(maximumConnections: 4, operationTimeout: operationTimeout)

    /// Runs `body` with a migrated store on a fresh database.
    public static func withStore<Result: Sendable>(
        _ body: (PostgresEventStore, PostgresURL) async throws -> Result
    ) async throws -> Result {
        try await withDatabase { url in
            try await PostgresEventStore.withStore(url: url, logger: quietLogger, options: options) { store in
                try await body(store, url)
            }
        }
    }

    /// Runs `body` with a migrated store on an existing database (e.g. one a server process also uses).
    public static func withStore<Result: Sendable>(
        _ url: PostgresURL, _ body: (PostgresEventStore) async throws -> Result
    ) async throws -> Result {
        try await PostgresEventStore.withStore(
            url: url, logger: quietLogger,
            options: PostgresEventStore.Options(maximumConnections: 2, operationTimeout: operationTimeout), body)
    }

    /// The URL as a server configuration file writes it.
    public static func configURL(_ url: PostgresURL) -> String {
        let credentials = url.username + (url.password.map { ":\($0)" } ?? "")
        return "postgres://\(credentials)@\(url.host):\(url.port)/\(url.database)"
    }

    public static func execute(_ sql: String, on url: PostgresURL) async throws {
        let configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: .disable)
        let client = PostgresClient(configuration: configuration, backgroundLogger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
        }
    }
}
