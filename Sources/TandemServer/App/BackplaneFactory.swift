import ServiceLifecycle
import TandemEngine

/// A backplane ready for the node, with its lag probe and the services that keep it running.
public struct BackplaneHandle: Sendable {
    public var backplane: any Backplane
    /// Seconds the oldest undelivered message has waited, if the backplane can tell (`/metrics`).
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
/// This build knows `memory:` only (one node per process); `TandemRedis` registers `redis` when merged.
public struct BackplaneFactory: Sendable {
    public typealias Maker =
        @Sendable (_ url: String, _ configuration: ServerConfiguration) async throws -> BackplaneHandle
    public private(set) var makers: [String: Maker]

    public init(makers: [String: Maker] = [:]) { self.makers = makers }

    public static let standard = BackplaneFactory(makers: [
        "memory": { _, _ in BackplaneHandle(backplane: InMemoryBackplane(), lagSeconds: { 0 }) }
    ])

    public func adding(_ scheme: String, _ maker: @escaping Maker) -> BackplaneFactory {
        var copy = self
        copy.makers[scheme] = maker
        return copy
    }

    public func make(_ url: String, configuration: ServerConfiguration) async throws -> BackplaneHandle {
        let scheme = URLScheme.of(url)
        guard let maker = makers[scheme] else {
            throw ConfigurationError(
                file: configuration.source,
                line: 0,
                key: "backplane.url",
                message: "no backplane for '\(scheme):' in this build; known: "
                    + makers.keys.sorted().map { "\($0):" }.joined(separator: ", ")
            )
        }
        return try await maker(url, configuration)
    }
}
