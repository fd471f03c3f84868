import Foundation
import Logging
import ServiceLifecycle
import TandemEngine
import TandemStore

/// Opens the durable event stores a `database.url` names: `sqlite:PATH` and `postgres://…`/`postgresql://…`.
///
/// The server gets a `StoreHandle` (store, services for its `ServiceGroup`, a migration to run before it listens);
/// the maintenance commands get `withDurableStore`, which opens, migrates, runs one body and closes.
public enum DurableStores {
    /// What opening a store for maintenance did to its schema.
    public struct Opened: Sendable {
        public var store: any DurableEventStore
        /// Every schema version the database is at, ascending.
        public var schemaVersions: [Int]
        /// Versions this opening applied (empty when the schema was already up to date).
        public var newlyApplied: [Int]
    }

    /// The file of a `sqlite:PATH` URL. A leading `//` is dropped, so `sqlite:///var/lib/t.sqlite` is absolute
    /// and `sqlite:data/t.sqlite` relative to the working directory.
    public static func sqlitePath(_ url: String, source: String = "defaults") throws(ConfigurationError) -> String {
        var path = Substring(url.drop { $0 != ":" }.dropFirst())
        if path.hasPrefix("//") { path = path.dropFirst(2) }
        guard !path.isEmpty, !path.contains("?") else {
            throw ConfigurationError(
                file: source,
                line: 0,
                key: "database.url",
                message: "expected sqlite:PATH (e.g. sqlite:./data/tandem.sqlite), found '\(url)'"
            )
        }
        return String(path)
    }

    static func postgresURL(_ url: String, source: String) throws(ConfigurationError) -> PostgresURL {
        do {
            return try PostgresURL(url)  // both schemes
        } catch {
            throw ConfigurationError(file: source, line: 0, key: "database.url", message: error.message)
        }
    }

    /// SQLite: opened and migrated here (its initializer does both); closed after the node on shutdown.
    static func sqliteHandle(_ url: String, configuration: ServerConfiguration) async throws -> StoreHandle {
        let store = try await SQLiteEventStore(path: try sqlitePath(url, source: configuration.source))
        return StoreHandle(store: store, services: [StoreClosingService { await store.close() }])
    }

    /// PostgreSQL: the pool runs as a service of the server's group and the schema is migrated before it listens.
    static func postgresHandle(_ url: String, configuration: ServerConfiguration) throws -> StoreHandle {
        let store = PostgresEventStore(
            url: try postgresURL(url, source: configuration.source),
            logger: Logger(label: "tandem.store.postgres")
        )
        return StoreHandle(
            store: store, services: [store], prepare: { try await store.migrate() },
            externalWrites: { onListening, onWrite in
                try await store.listenForExternalWrites(onListening: onListening) { write in
                    await onWrite(write.key, write.version)
                }
            }
        )
    }

    /// Opens the durable store `url` names, migrates it, runs `body` and closes it; nil for `memory:`.
    public static func withDurableStore<Result: Sendable>(
        _ url: String,
        configuration: ServerConfiguration,
        _ body: (Opened) async throws -> Result
    ) async throws -> Result? {
        switch URLScheme.of(url) {
        case "memory":
            return nil
        case "sqlite":
            let path = try sqlitePath(url, source: configuration.source)
            let existed = FileManager.default.fileExists(atPath: path)
            let store = try await SQLiteEventStore(path: path)
            do {
                let versions = try await store.appliedMigrations()
                let opened = Opened(store: store, schemaVersions: versions, newlyApplied: existed ? [] : versions)
                let result = try await body(opened)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        case "postgres", "postgresql":
            var logger = Logger(label: "tandem.store.postgres")
            logger.logLevel = .error
            let store = PostgresEventStore(url: try postgresURL(url, source: configuration.source), logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                let applied = try await store.migrate()
                let versions = try await store.appliedMigrations()
                return try await body(Opened(store: store, schemaVersions: versions, newlyApplied: applied))
            }
        default:
            throw ConfigurationError(
                file: configuration.source,
                line: 0,
                key: "database.url",
                message: "no event store for '\(URLScheme.of(url)):'; use sqlite:PATH, postgres://… or memory:"
            )
        }
    }
}

/// Closes a store once the services after it (the node, the listener) have stopped.
struct StoreClosingService: Service {
    let close: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
