import TandemCore
import TandemEngine

/// Everything one `tandem-server` process is told at start: where it listens, what it serves, who may log in
/// and the limits it enforces.
///
/// Built from embedded defaults (the documented demo), then one YAML file, then `TANDEM_*` environment
/// variables, in that order; `docs/admin-guide.md` lists every key. The value is plain data: nothing here opens
/// a file or a socket.
public struct ServerConfiguration: Sendable {
    /// The address the HTTP and WebSocket listener binds; port 0 lets the system pick a free one.
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var nodeID: String = "node-1"
    /// Holds `users.json` (unless `auth.users_file` says otherwise) and the default SQLite event store.
    public var dataDirectory: String = "./data"
    /// Browser origins allowed to open `/ws`; a request without `Origin` (a non-browser client) is always allowed.
    public var allowedOrigins: [String] = ["http://localhost:8080", "http://127.0.0.1:8080"]
    /// The event store: `sqlite:PATH`, `postgres://…` (or `postgresql://…`), or `memory:` (nothing survives
    /// the process). Unless set, `sqlite:<data_dir>/tandem.sqlite`, so it follows `data_dir`.
    public var databaseURL: String {
        get { databaseURLSetting ?? "sqlite:" + Self.joined(dataDirectory, "tandem.sqlite") }
        set { databaseURLSetting = newValue }
    }
    private var databaseURLSetting: String?
    /// `memory:` (the default, one node only), or `redis://host:port[/db]` for several nodes.
    public var backplaneURL: String = "memory:"
    /// The Redis backplane's stream key and timings (`backplane.stream_key`, …); unused with `memory:`.
    public var redis = RedisBackplaneSettings()
    public var models: ModelRegistry = .demo
    public var access: AccessPolicy = .standard
    public var auth = AuthSettings()
    public var limits = ServerLimits()
    public var heartbeatInterval: Duration = HeartbeatDefaults.interval
    public var heartbeatTimeout: Duration = HeartbeatDefaults.timeout
    /// How long a graceful shutdown waits for sockets to close after the node said goodbye (1001).
    public var shutdownGrace: Duration = .seconds(5)
    public var logLevel: String = "info"
    /// A deliberately broken engine, for proving that Tandem's live checkers catch lost writes: acknowledge each
    /// change before the store has it (`TANDEM_BROKEN_ACK_BEFORE_PERSIST=1`; never in production).
    public var brokenAckBeforePersist = false
    /// A deliberately broken engine, for proving that the presence-ghost checker bites: silent connections never
    /// expire (`TANDEM_BROKEN_NO_PRESENCE_EXPIRY=1`; never in production).
    public var brokenNoPresenceExpiry = false
    /// `serve --demo`: create the demo users (admin/admin, editor/editor, viewer/viewer) in an empty users
    /// file. Only on a loopback address; never from a configuration file.
    public var demo = false
    /// `server.strict_transport_security`: the `max-age` of a `Strict-Transport-Security` header on every
    /// response. Set it when TLS is on (`server.tls`, or a proxy in front of this server that terminates TLS);
    /// nil sends none.
    public var strictTransportSecurity: Duration?
    /// `server.tls`: serve `https://` and `wss://` with this certificate chain and private key (PEM files),
    /// read at start; nil serves plain HTTP (or a proxy in front terminates TLS).
    public var tls: TLSFiles?
    /// `websocket.compression`: negotiate `permessage-deflate` on `/ws` and `/socket.io/` with clients that offer
    /// it. Off by default: see `docs/admin-guide.md` (CPU and zlib memory per socket against bytes saved).
    public var webSocketCompression = false
    /// Where the values came from, for the start-up log line (`defaults`, a file path, `+env`).
    public var source: String = "defaults"

    public init() {}

    /// The users file: `auth.users_file` when set, else `<data_dir>/users.json`.
    public var usersFile: String { auth.usersFile ?? Self.joined(dataDirectory, "users.json") }

    static func joined(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The engine's view of this configuration.
    public var nodeConfiguration: NodeConfiguration {
        var node = NodeConfiguration(
            nodeID: nodeID,
            models: models,
            access: access,
            heartbeatInterval: heartbeatInterval,
            heartbeatTimeout: brokenNoPresenceExpiry ? .seconds(365 * 24 * 3_600) : heartbeatTimeout
        )
        node.limits.participantsPerSessionMax = limits.participantsPerSessionMax
        node.limits.messagesPerSecond = limits.messagesPerSecond
        node.limits.messageBurst = limits.messageBurst
        node.limits.breachesBeforeCloseMax = limits.breachesBeforeCloseMax
        node.limits.sessionsPerConnectionMax = limits.sessionsPerConnectionMax
        node.limits.outboundQueueCountMax = limits.outboundQueueCountMax
        node.ackBeforePersist = brokenAckBeforePersist
        return node
    }
}

/// The PEM files of `server.tls`, with the keys (or environment variables) that named them, for errors.
public struct TLSFiles: Sendable, Hashable {
    /// The certificate chain, leaf first.
    public var certificate: String
    public var key: String
    /// Where the paths were set (`server.tls.certificate` or `TANDEM_TLS_CERTIFICATE`, …), for errors.
    public var certificateSetting = "server.tls.certificate"
    public var keySetting = "server.tls.key"

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

/// How users log in and how long their tokens last.
public struct AuthSettings: Sendable {
    /// The HS256 key. Nil means a random per-process key (tokens die with the process; a warning is logged).
    public var jwtSecret: String?
    public var accessTokenLifetime: Duration = .seconds(15 * 60)
    public var refreshTokenLifetime: Duration = .seconds(7 * 24 * 3600)
    /// bcrypt work factor (4…31); 12 in production, 4 in tests.
    public var bcryptCost: Int = 12
    public var usersFile: String?
    /// Users created at start when the users file does not hold them yet.
    public var seedUsers: [SeedUser] = []
    /// The JWT `iss` claim written and required.
    public var issuer: String = "tandem"
    /// Back-off for failed logins, per username and per client address.
    public var loginThrottle = LoginThrottleSettings()
    /// bcrypt checks running at once; nil: one core fewer than the machine has (at least one).
    public var bcryptConcurrency: Int?
    /// bcrypt checks waiting at most; one more login is answered 503 at once.
    public var bcryptQueueMax = 64
    /// How often the server rereads a changed users file to close the sockets of revoked users.
    public var usersFilePoll: Duration = .seconds(1)

    public init() {}
}

/// A user the configuration creates at start if missing (the demo's `admin`, a test's `viewer`).
public struct SeedUser: Sendable, Hashable {
    public var username: String
    public var password: String
    public var roles: [String]

    public init(username: String, password: String, roles: [String]) {
        self.username = username
        self.password = password
        self.roles = roles
    }
}

/// The server's named limits (PROTOCOL.md defaults).
public struct ServerLimits: Sendable, Hashable {
    /// Client frames above this get `too_large` and the connection stays open.
    public var frameBytesMax = 65_536
    /// A single WebSocket frame above this closes the connection (1009); it bounds per-connection memory.
    public var frameBytesHardMax = 1 << 20
    public var messagesPerSecond = 100.0
    public var messageBurst = 200.0
    public var participantsPerSessionMax = 250
    /// Server frames queued for one connection; one more closes it with 1013 (slow consumer). The default is
    /// the engine's (`NodeLimits`), which the simulator's write queues use too.
    public var outboundQueueCountMax = NodeLimits().outboundQueueCountMax
    public var breachesBeforeCloseMax = 20
    public var sessionsPerConnectionMax = 64
    /// Largest REST request body.
    public var requestBodyBytesMax = 1 << 20
    /// Open WebSockets from one client address; one more is refused (4429).
    public var socketsPerAddressMax = 1_024
    /// WebSocket upgrades per second from one client address (a token bucket refilled at this rate) …
    public var socketUpgradesPerSecondPerAddress = 100.0
    /// … holding at most this many, so a page of reconnects can arrive at once.
    public var socketUpgradeBurstPerAddress = 1_000.0

    public init() {}
}
