import Foundation
import Logging
import PostgresNIO
import TandemStore

/// The PostgreSQL server the tests use: `TANDEM_TEST_POSTGRES_URL`, as `scripts/test.sh` exports it.
///
/// Each test gets a database of its own (`CREATE DATABASE` with a unique name), so tests run in parallel and
/// leave nothing behind. A missing variable is a failure, never a skip.
enum TestPostgres {
    static let environmentVariable = "TANDEM_TEST_POSTGRES_URL"

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "\(TestPostgres.environmentVariable) is not set: run the PostgreSQL tests through scripts/test.sh "
                + "(it starts a throwaway cluster and exports the URL), e.g. scripts/test.sh --filter TandemStoreTests"
        }
    }

    static func serverURL() throws -> PostgresURL {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else {
            throw NotConfigured()
        }
        return try PostgresURL(text)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "tandem.test.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with the URL of a new, empty database, dropped afterwards.
    static func withDatabase<Result: Sendable>(_ body: (PostgresURL) async throws -> Result) async throws -> Result {
        let server = try serverURL()
        let name = "tandem_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: quietLogger)
        }
        do {
            let result = try await body(server.with(database: name))
            try await drop(name, on: server)
            return result
        } catch {
            try? await drop(name, on: server)
            throw error
        }
    }

    /// A `PostgresEventStore` on a new database, running and migrated for the duration of `body`.
    static func withStore<Result: Sendable>(
        _ body: (PostgresEventStore, PostgresURL) async throws -> Result
    ) async throws -> Result {
        try await withDatabase { url in
            try await PostgresEventStore.withStore(url: url, logger: quietLogger, options: options) { store in
                try await body(store, url)
            }
        }
    }

    /// Few connections per store, so many tests in parallel stay under the server's `max_connections` (100).
    static let options = PostgresEventStore.Options(maximumConnections: 4)

    /// Runs SQL straight on a database, outside any store (to break or inspect what a store wrote).
    static func execute(_ sql: String, on url: PostgresURL) async throws {
        try await admin(url) { client in try await client.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger) }
    }

    private static func drop(_ name: String, on server: PostgresURL) async throws {
        try await admin(server) { client in
            try await client.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"),
                logger: quietLogger
            )
        }
    }

    private static func admin(_ url: PostgresURL, _ body: (PostgresClient) async throws -> Void) async throws {
        let configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: .disable
        )
        let client = PostgresClient(configuration: configuration, backgroundLogger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client)
        }
    }
}
