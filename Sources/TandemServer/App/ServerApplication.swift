import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import TandemCore
import TandemEngine
import TandemRuntime
import TandemWire

/// One `tandem-server` process: builds the store, backplane, users, tokens and node from a
/// `ServerConfiguration`, serves HTTP and `/ws` with Hummingbird, and runs until SIGTERM or SIGINT.
///
/// Services start in order store → backplane → HTTP → node and stop in reverse, so on a signal the node
/// says goodbye (1001) to every socket before the listener closes. The listener opens only after the store's
/// migration (PostgreSQL) has run on the running pool; a failed migration ends the process. Randomness (the node seed and the
/// fallback JWT key) comes in from the caller, as everything below the executables requires.
public struct ServerApplication: Sendable {
    public var configuration: ServerConfiguration
    public var storeFactory: StoreFactory
    public var backplaneFactory: BackplaneFactory
    public var seed: UInt64
    /// Used when the configuration sets no JWT secret (tokens then die with the process).
    public var fallbackSecret: String
    public var logger: Logger

    public init(
        configuration: ServerConfiguration,
        storeFactory: StoreFactory = .standard,
        backplaneFactory: BackplaneFactory = .standard,
        seed: UInt64,
        fallbackSecret: String,
        logger: Logger
    ) {
        self.configuration = configuration
        self.storeFactory = storeFactory
        self.backplaneFactory = backplaneFactory
        self.seed = seed
        self.fallbackSecret = fallbackSecret
        self.logger = logger
    }

    /// Builds the shared context (store, backplane, users, tokens, node) without listening yet.
    public func makeContext(clock: any TandemClock = SystemClock()) async throws -> ServerContext {
        let storeHandle = try await storeFactory.make(configuration.databaseURL, configuration: configuration)
        let backplane = try await backplaneFactory.make(configuration.backplaneURL, configuration: configuration)
        let passwordGate = WorkGate(
            concurrency: configuration.auth.bcryptConcurrency ?? PasswordHasher.defaultConcurrency,
            queueMax: configuration.auth.bcryptQueueMax
        )
        let users = UserRegistry(
            file: configuration.usersFile,
            hasher: PasswordHasher(cost: configuration.auth.bcryptCost, gate: passwordGate),
            clock: clock,
            seed: seed
        )
        try await users.load()
        try await Self.checkDemoCredentials(configuration, users: users, logger: logger)
        let created = try await users.ensure(configuration.auth.seedUsers)
        if !created.isEmpty { logger.notice("created seed users \(created.joined(separator: ", ")) in \(users.file)") }
        if await users.all.isEmpty {
            let advice =
                "Add one with `tandem-server create-user --username U --password P --role Admin`, "
                + "or try the demo on this machine with `tandem-server serve --demo`"
            logger.warning("no users in \(users.file): nobody can log in. \(advice)")
        }
        if configuration.auth.jwtSecret == nil {
            logger.warning("no auth.jwt_secret / TANDEM_JWT_SECRET: using a random key; tokens end with this process")
        }
        if configuration.brokenAckBeforePersist {
            logger.critical("""
                TANDEM_BROKEN_ACK_BEFORE_PERSIST=1: this node acknowledges changes before storing them \
                (deliberately broken, for checker tests); never run it in production
                """)
        }
        if configuration.brokenNoPresenceExpiry {
            logger.critical("""
                TANDEM_BROKEN_NO_PRESENCE_EXPIRY=1: this node never expires silent connections \
                (deliberately broken, for checker tests); never run it in production
                """)
        }
        let tokens = await TokenService(
            settings: configuration.auth,
            secret: configuration.auth.jwtSecret ?? fallbackSecret,
            users: users,
            clock: clock
        )
        let statistics = ServerStatistics()
        let store = InstrumentedEventStore(
            base: storeHandle.store, histogram: statistics.commitLatency, clock: clock, timeline: statistics.timeline)
        let audit = SecurityAudit(store: store, users: users, clock: clock, logger: logger)
        let node = CollaborationNode(
            configuration: configuration.nodeConfiguration,
            environment: NodeEnvironment(
                clock: clock, store: store, backplane: backplane.backplane, seed: seed, stages: statistics.stages)
        )
        return ServerContext(
            configuration: configuration,
            node: node,
            store: store,
            backplane: backplane,
            users: users,
            tokens: tokens,
            codec: WireCodec(limits: WireLimits(frameBytesMax: configuration.limits.frameBytesMax)),
            origins: OriginPolicy(allowed: configuration.allowedOrigins),
            tracker: ConnectionTracker(),
            statistics: statistics,
            throttle: LoginThrottle(settings: configuration.auth.loginThrottle, clock: clock),
            passwordGate: passwordGate,
            addresses: AddressLimiter(limits: configuration.limits, clock: clock),
            sockets: UserSockets(),
            audit: audit,
            clock: clock,
            logger: logger,
            compression: configuration.webSocketCompression
                ? WebSocketCompression(decompressedBytesMax: configuration.limits.frameBytesHardMax) : nil,
            extraServices: storeHandle.services
                + (storeHandle.externalWrites.map { [ExternalWriteService(node: node, feed: $0, logger: logger)] } ?? [])
                + backplane.services,
            prepareStore: storeHandle.prepare
        )
    }

    /// Serves until SIGTERM/SIGINT; `onListening` gets the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        // The TLS files are read before anything opens, so a bad one ends the process at once (exit 2).
        let tls = try configuration.tls?.serverConfiguration()
        let context = try await makeContext()
        let routers = Self.routers(context)
        let plain = HTTPServerBuilder.http1WebSocketUpgrade(
            webSocketRouter: routers.webSocket,
            configuration: .init(
                http1: .init(idleTimeout: .seconds(120)),
                ws: WebSocketServerConfiguration(
                    maxFrameSize: configuration.limits.frameBytesHardMax,
                    extensions: context.compression.map { [$0.factory] } ?? [],
                    // No transport pings: the node expires a silent connection itself (4408 after the heartbeat
                    // timeout, PROTOCOL.md: any frame counts) and the Socket.IO endpoint pings on its own, so an
                    // auto-ping task per socket (a task and its sleep: memory on every idle connection) would only
                    // repeat them.
                    autoPing: .disabled,
                    closeTimeout: .seconds(5)
                )
            )
        )
        let app = Application(
            router: routers.http,
            server: try tls.map { try HTTPServerBuilder.tls(plain, tlsConfiguration: $0) } ?? plain,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "tandem"
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                let isRedis = URLScheme.of(configuration.backplaneURL) == "redis"
                let summary =
                    (tls == nil ? "" : "TLS: \(configuration.tls?.certificate ?? ""), ")
                    + (context.compression == nil ? "" : "permessage-deflate, ")
                    + "config: \(configuration.source), store: \(configuration.databaseURL), "
                    + "backplane: \(configuration.backplaneURL)"
                    + (isRedis ? " stream \(configuration.redis.streamKey)" : "")
                context.logger.info(
                    "tandem-server \(configuration.nodeID) listening on \(configuration.host):\(port) (\(summary))"
                )
                onListening(port)
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: context.extraServices.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                    + [
                        .init(service: ServingAfterPreparation(prepare: context.prepareStore, server: app)),
                        .init(service: NodeService(context: context)),
                        .init(service: RevocationWatch(context: context)),
                    ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// `--demo` only on loopback, and into an empty users file; and no server that still holds a demo user
    /// with its demo password listens beyond this machine. Both end the process with status 2.
    static func checkDemoCredentials(
        _ configuration: ServerConfiguration,
        users: UserRegistry,
        logger: Logger
    ) async throws {
        let loopback = ServerConfiguration.isLoopback(configuration.host)
        if configuration.demo {
            guard loopback else {
                throw ConfigurationError(
                    file: "command line", line: 0, key: "--demo",
                    message: "--demo creates users with well-known passwords (admin/admin …) and listens only on a "
                        + "loopback address, but the host is \(configuration.host); drop --demo and create your "
                        + "users with `tandem-server create-user`, or listen on 127.0.0.1"
                )
            }
            let created = try await users.ensureDemo(ServerConfiguration.demoSeedUsers)
            if created.isEmpty {
                logger.notice("--demo: \(users.file) already has users; no demo user added")
            } else {
                logger.warning("--demo: created \(created.joined(separator: ", ")) with their well-known passwords")
            }
        }
        guard !loopback else { return }
        let exposed = await users.withKnownPasswords(ServerConfiguration.demoSeedUsers)
        guard exposed.isEmpty else {
            throw ConfigurationError(
                file: users.file, line: 0, key: "server.host",
                message: "user(s) \(exposed.joined(separator: ", ")) still have the demo password, and the host "
                    + "\(configuration.host) is reachable from other machines; change their passwords with "
                    + "`tandem-server update-user --username NAME --password NEW` or listen on 127.0.0.1"
            )
        }
    }

    /// The two routers `run` serves. The HTTP router's `GET /api/v1/_openapi` describes the routes of both.
    static func routers(
        _ context: ServerContext
    ) -> (http: Router<TandemRequestContext>, webSocket: Router<TandemWebSocketRequestContext>) {
        let webSocket = webSocketRouter(context)
        return (httpRouter(context, webSocketRoutes: webSocket.routes.map { OpenAPIDocument.Route($0) }), webSocket)
    }

    /// The HTTP routes, and last `GET /api/v1/_openapi`, whose document lists them, `webSocketRoutes` and itself.
    static func httpRouter(
        _ context: ServerContext, webSocketRoutes: [OpenAPIDocument.Route]
    ) -> Router<TandemRequestContext> {
        let router = Router(context: TandemRequestContext.self)
        router.add(middleware: SecurityHeaders(configuration: context.configuration))
        SystemRoutes(context: context).register(on: router)
        AuthRoutes(context: context).register(on: router)
        RecordRoutes(context: context).register(on: router)
        SocketIORoutes(context: context).register(on: router)
        PageRoutes(context: context).register(on: router)
        let document = OpenAPIDocument(
            routes: router.routes.map { OpenAPIDocument.Route($0) } + webSocketRoutes
                + [OpenAPIDocument.Route(method: "GET", path: OpenAPIDocument.path)],
            models: context.configuration.models,
            nodeID: context.configuration.nodeID
        )
        let body = document.json
        router.get(RouterPath(OpenAPIDocument.path)) { _, _ in JSONResponse.make(.ok, body) }
        return router
    }

    /// Every route the server answers, as `METHOD /path` with Hummingbird's `{parameter}` captures, read back from the
    /// two routers `run` serves (the WebSocket upgrade is a `GET` on both). `DocsReferenceTests` holds
    /// `docs/reference.md` to this list, so a route added to a router without docs fails the tests.
    static func routeDescriptions(_ context: ServerContext) -> [String] {
        let (http, webSocket) = routers(context)
        let routes = http.routes.map(\.description) + webSocket.routes.map(\.description)
        return Array(Set(routes)).sorted()
    }

    static func webSocketRouter(_ context: ServerContext) -> Router<TandemWebSocketRequestContext> {
        let router = Router(context: TandemWebSocketRequestContext.self)
        let handler = ConnectionHandler(context: context)
        router.socket("/ws", context) { inbound, outbound, request, address, channel in
            await handler.run(inbound: inbound, outbound: outbound, request: request, address: address, channel: channel)
        }
        SocketIORoutes(context: context).register(on: router)
        return router
    }
}

/// The HTTP server as a service that first runs the store's preparation (its migration), so no request is
/// served against a schema that is not there yet.
struct ServingAfterPreparation<Server: Service>: Service {
    let prepare: @Sendable () async throws -> Void
    let server: Server

    func run() async throws {
        try await prepare()
        try await server.run()
    }
}
