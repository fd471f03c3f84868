import Foundation
import Logging
import PostgresNIO
import TandemStore

/// The PostgreSQL server the process tests use: `TANDEM_TEST_POSTGRES_URL`, as `scripts/test.sh` exports it.
///
/// Each test gets a database of its own, dropped afterwards. A missing variable fails the test, never skips it.
enum TestPostgres {
    static let environmentVariable = "TANDEM_TEST_POSTGRES_URL"

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "\(TestPostgres.environmentVariable) is not set: run these tests through scripts/test.sh (it starts a "
                + "throwaway PostgreSQL cluster and exports the URL), e.g. scripts/test.sh --filter TandemServerTests"
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "tandem.test.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with the URL of a new, empty database.
    static func withDatabase<Result: Sendable>(_ body: (PostgresURL) async throws -> Result) async throws -> Result {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else {
            throw NotConfigured()
        }
        let server = try PostgresURL(text)
        let name = "tandem_server_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
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

    /// The URL a server configuration names (with the password, which `PostgresURL.description` leaves out).
    static func configURL(_ url: PostgresURL) -> String {
        let credentials = url.username + (url.password.map { ":\($0)" } ?? "")
        return "postgres://\(credentials)@\(url.host):\(url.port)/\(url.database)"
    }

    /// Opens a store on `url` (pool running, migrated) for the duration of `body`, to read what servers wrote.
    static func withStore<Result: Sendable>(
        _ url: PostgresURL,
        _ body: (PostgresEventStore) async throws -> Result
    ) async throws -> Result {
        try await PostgresEventStore.withStore(
            url: url,
            logger: quietLogger,
            options: PostgresEventStore.Options(maximumConnections: 2),
            body
        )
    }

    private static func execute(_ sql: String, on url: PostgresURL) async throws {
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
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
        }
    }
}
