import ServiceLifecycle
import TandemCore
import TandemEngine

/// Listens for writes made in the database by other applications, until cancelled or the connection fails:
/// `onListening` once the listening is in place, `onWrite` with each written record and its new version.
public typealias ExternalWriteFeed = @Sendable (
    _ onListening: @escaping @Sendable () async -> Void,
    _ onWrite: @escaping @Sendable (RecordKey, Int) async -> Void
) async throws -> Void

/// An event store ready for the node, with the services that keep it running (a connection pool's `run()`).
public struct StoreHandle: Sendable {
    public var store: any EventStore
    /// Run in the server's `ServiceGroup` before the node; shut down after it.
    public var services: [any Service]
    /// Brings the schema up to date once `services` run; the server calls it before it listens.
    public var prepare: @Sendable () async throws -> Void
    /// Where the database announces writes from outside the engine (PostgreSQL); nil when it has no such feed.
    public var externalWrites: ExternalWriteFeed?

    public init(
        store: any EventStore,
        services: [any Service] = [],
        prepare: @escaping @Sendable () async throws -> Void = {},
        externalWrites: ExternalWriteFeed? = nil
    ) {
        self.store = store
        self.services = services
        self.prepare = prepare
        self.externalWrites = externalWrites
    }
}

/// Makes the event store named by `database.url` / `TANDEM_DATABASE_URL`, by URL scheme.
///
/// `standard` knows `sqlite:PATH` (the default, `sqlite:<data_dir>/tandem.sqlite`), `postgres://…` and
/// `postgresql://…` (`TandemStore`), and `memory:` (one process, nothing survives it). Tests may add schemes
/// (`StoreFactory.standard.adding("fake") { url, configuration in … }`).
public struct StoreFactory: Sendable {
    public typealias Maker = @Sendable (_ url: String, _ configuration: ServerConfiguration) async throws -> StoreHandle
    public private(set) var makers: [String: Maker]

    public init(makers: [String: Maker] = [:]) { self.makers = makers }

    public static let standard = StoreFactory(makers: [
        "memory": { _, _ in StoreHandle(store: InMemoryEventStore()) },
        "sqlite": { url, configuration in try await DurableStores.sqliteHandle(url, configuration: configuration) },
        "postgres": { url, configuration in try DurableStores.postgresHandle(url, configuration: configuration) },
        "postgresql": { url, configuration in try DurableStores.postgresHandle(url, configuration: configuration) },
    ])

    public func adding(_ scheme: String, _ maker: @escaping Maker) -> StoreFactory {
        var copy = self
        copy.makers[scheme] = maker
        return copy
    }

    /// Whether `url` names a store that survives restarts (anything but `memory:`).
    public static func isDurable(_ url: String) -> Bool { URLScheme.of(url) != "memory" }

    public func make(_ url: String, configuration: ServerConfiguration) async throws -> StoreHandle {
        try await URLScheme.make(url, with: makers, key: "database.url", what: "event store", configuration: configuration)
    }
}

/// The scheme of a URL-ish setting (`memory:`, `sqlite:./data/x.sqlite`, `postgres://…`), lowercased.
enum URLScheme {
    static func of(_ url: String) -> String {
        String(url.prefix { $0 != ":" }).lowercased()
    }

    /// Calls the maker registered for `url`'s scheme; an unknown scheme is a configuration error on `key`
    /// that lists the known ones. Shared by the store and backplane factories.
    static func make<Handle>(
        _ url: String, with makers: [String: @Sendable (String, ServerConfiguration) async throws -> Handle],
        key: String, what: String, configuration: ServerConfiguration
    ) async throws -> Handle {
        let scheme = of(url)
        guard let maker = makers[scheme] else {
            throw ConfigurationError(
                file: configuration.source, line: 0, key: key,
                message: "no \(what) for '\(scheme):' in this build; known: "
                    + makers.keys.sorted().map { "\($0):" }.joined(separator: ", ")
            )
        }
        return try await maker(url, configuration)
    }
}
