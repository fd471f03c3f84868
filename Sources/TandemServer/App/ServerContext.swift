import Logging
import ServiceLifecycle
import TandemCore
import TandemEngine
import TandemRuntime
import TandemWire

/// The running server's shared parts, handed to every route and socket handler: configuration, node,
/// users, tokens, codec and the counters `/metrics` reads. No singletons: one value per server.
///
/// A class, not a struct: every socket's task holds it (in `SocketSession`) across its suspension points, and as
/// a struct of two dozen fields each copy took hundreds of bytes of every idle connection's async frames.
public final class ServerContext: Sendable {
    public let configuration: ServerConfiguration
    public let node: CollaborationNode
    public let store: any EventStore
    public let backplane: BackplaneHandle
    public let users: UserRegistry
    public let tokens: TokenService
    public let codec: WireCodec
    public let origins: OriginPolicy
    public let tracker: ConnectionTracker
    public let statistics: ServerStatistics
    /// Failed-login back-off per username and client address.
    public let throttle: LoginThrottle
    /// bcrypt's bounded queue (shared by every password check).
    public let passwordGate: WorkGate
    /// Open sockets and upgrade rate per client address.
    public let addresses: AddressLimiter
    /// Each user's open sockets, for closing them on revocation.
    public let sockets: UserSockets
    public let audit: SecurityAudit
    public let clock: any TandemClock
    public let logger: Logger
    /// `permessage-deflate` for the sockets when `websocket.compression` is on; nil: not offered.
    public let compression: WebSocketCompression?
    /// Each event loop's pending socket drains (`WebSocketTransport`): one wake-up per loop per fan-out.
    public let loopDrains = LoopDrains.Registry()
    /// The store's and backplane's own services, run before the HTTP server and the node.
    let extraServices: [any Service]
    /// The store's migration, run once `extraServices` run and before the listener opens.
    let prepareStore: @Sendable () async throws -> Void

    init(
        configuration: ServerConfiguration, node: CollaborationNode, store: any EventStore,
        backplane: BackplaneHandle, users: UserRegistry, tokens: TokenService, codec: WireCodec,
        origins: OriginPolicy, tracker: ConnectionTracker, statistics: ServerStatistics, throttle: LoginThrottle,
        passwordGate: WorkGate, addresses: AddressLimiter, sockets: UserSockets, audit: SecurityAudit,
        clock: any TandemClock, logger: Logger, compression: WebSocketCompression?, extraServices: [any Service],
        prepareStore: @escaping @Sendable () async throws -> Void
    ) {
        self.configuration = configuration
        self.node = node
        self.store = store
        self.backplane = backplane
        self.users = users
        self.tokens = tokens
        self.codec = codec
        self.origins = origins
        self.tracker = tracker
        self.statistics = statistics
        self.throttle = throttle
        self.passwordGate = passwordGate
        self.addresses = addresses
        self.sockets = sockets
        self.audit = audit
        self.clock = clock
        self.logger = logger
        self.compression = compression
        self.extraServices = extraServices
        self.prepareStore = prepareStore
    }

    /// The access token of a request: `Authorization: Bearer <jwt>`, else the `token` query parameter.
    static func bearerToken(authorization: String?, query: String?) -> String? {
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return String(parts[1]).trimmingCharacters(in: " ")
            }
        }
        if let query, !query.isEmpty { return query }
        return nil
    }
}
