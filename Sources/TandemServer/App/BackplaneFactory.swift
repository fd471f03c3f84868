import ServiceLifecycle
import TandemEngine
import TandemRedis

/// A backplane ready for the node, with its lag probe and the services that keep it running.
public struct BackplaneHandle: Sendable {
    public var backplane: any Backplane
    /// Seconds the oldest message not yet handed to the node has waited, 0 when it has caught up, if the
    /// backplane can tell (`/metrics`).
    public var lagSeconds: @Sendable () async -> Double?
    public var services: [any Service]

    public init(
        backplane: any Backplane,
        lagSeconds: @escaping @Sendable () async -> Double? = { nil },
        services: [any Service] = []
    ) {
        self.backplane = backplane
        self.lagSeconds = lagSeconds
        self.services = services
    }
}

/// Makes the backplane named by `backplane.url` / `TANDEM_REDIS_URL`, by URL scheme.
///
/// `standard` knows `memory:` (one node per process) and `redis://host:port[/db]` (`RedisBackplane`, one Redis
/// stream shared by every node; all nodes must also share one PostgreSQL store).
public struct BackplaneFactory: Sendable {
    public typealias Maker =
        @Sendable (_ url: String, _ configuration: ServerConfiguration) async throws -> BackplaneHandle
    public private(set) var makers: [String: Maker]

    public init(makers: [String: Maker] = [:]) { self.makers = makers }

    public static let standard = BackplaneFactory(makers: [
        "memory": { _, _ in BackplaneHandle(backplane: InMemoryBackplane(), lagSeconds: { 0 }) },
        "redis": { url, configuration in try redisHandle(url, configuration: configuration) },
    ])

    /// A `RedisBackplane` with the configured stream and timings; its lag is the age of the oldest entry the node
    /// has not been handed (`backlogAgeMillis`), and it shuts down after the node.
    static func redisHandle(_ url: String, configuration: ServerConfiguration) throws -> BackplaneHandle {
        var settings: RedisBackplaneConfiguration
        do {
            settings = try RedisBackplaneConfiguration(url: url)
        } catch {
            throw ConfigurationError(file: configuration.source, line: 0, key: "backplane.url", message: "\(error)")
        }
        configuration.redis.apply(to: &settings)
        let backplane = RedisBackplane(configuration: settings)
        return BackplaneHandle(
            backplane: backplane,
            lagSeconds: { Double(backplane.backlogAgeMillis) / 1_000 },
            services: [BackplaneClosingService(backplane: backplane)]
        )
    }

    public func adding(_ scheme: String, _ maker: @escaping Maker) -> BackplaneFactory {
        var copy = self
        copy.makers[scheme] = maker
        return copy
    }

    public func make(_ url: String, configuration: ServerConfiguration) async throws -> BackplaneHandle {
        try await URLScheme.make(url, with: makers, key: "backplane.url", what: "backplane", configuration: configuration)
    }
}

/// Shuts the Redis backplane down (readers stopped, publisher closed) once the node has stopped.
struct BackplaneClosingService: Service {
    let backplane: RedisBackplane

    func run() async throws {
        try? await gracefulShutdown()
        await backplane.shutdown()
    }
}
