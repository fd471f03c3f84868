import TandemCore
import TandemRedis
import Testing

@testable import TandemServer

/// The YAML configuration and its environment overrides, without a process.
@Suite struct ServerConfigurationTests {
    @Test func theDefaultStoreIsSQLiteInTheDataFolderUnlessAURLIsSet() throws {
        var configuration = ServerConfiguration()
        #expect(configuration.databaseURL == "sqlite:./data/tandem.sqlite")
        #expect(try DurableStores.sqlitePath(configuration.databaseURL) == "./data/tandem.sqlite")
        configuration.dataDirectory = "/var/lib/tandem/"
        #expect(configuration.databaseURL == "sqlite:/var/lib/tandem/tandem.sqlite")
        configuration.databaseURL = "sqlite:///srv/t.sqlite"
        configuration.dataDirectory = "/elsewhere"
        #expect(try DurableStores.sqlitePath(configuration.databaseURL) == "/srv/t.sqlite")
        #expect(throws: ConfigurationError.self) { try DurableStores.sqlitePath("sqlite:") }
        #expect(StoreFactory.standard.makers.keys.sorted() == ["memory", "postgres", "postgresql", "sqlite"])
        #expect(BackplaneFactory.standard.makers.keys.sorted() == ["memory", "redis"])
    }

    @Test func modelsRolesAndLimitsMapToTheEngineTypes() throws {
        let configuration = try ServerConfiguration.parse(
            yaml: """
                server: {port: 9000, node_id: n-2, allowed_origins: ["https://app.example"]}
                models:
                  Ticket:
                    title: {type: string, policy: manual}
                    body: text
                    budget: {type: number, restricted: true}
                roles:
                  Auditor: ["can_show on Ticket", "can_comment on Ticket"]
                limits: {frame_bytes_max: 1024, outbound_queue_count_max: 8}
                heartbeat: {interval: 5s, timeout: 20s}
                """,
            file: "t.yaml"
        )
        #expect(configuration.port == 9000 && configuration.nodeID == "n-2")
        let ticket = try #require(configuration.models["Ticket"])
        #expect(ticket.field("title")?.policy == .manual)
        #expect(ticket.field("body")?.type == .text)
        #expect(ticket.field("budget")?.restricted == true)
        let auditor = UserIdentity(id: 1, username: "a", roles: ["Auditor"])
        #expect(configuration.access.canShow(auditor, model: "Ticket"))
        #expect(!configuration.access.canEdit(auditor, model: "Ticket"))
        #expect(configuration.access.roles["Editor"] != nil, "built-in roles stay")
        #expect(configuration.nodeConfiguration.heartbeatTimeout == .seconds(20))
        #expect(configuration.limits.outboundQueueCountMax == 8)
    }

    @Test(arguments: [
        ("server:\n  port: 99999\n", 2, "server.port"),
        ("limits:\n  frame_bytes_max: many\n", 2, "limits.frame_bytes_max"),
        ("models:\n  Contact:\n    name: {type: strin}\n", 3, "models.Contact.name.type"),
        ("roles:\n  Odd: [\"can_fly on *\"]\n", 2, "roles.Odd.0"),
        ("servr: {}\n", 1, "servr"),
        ("server:\n  port: 1\n  port: 2\n", 2, "port"),
    ])
    func mistakesNameTheLineAndKey(_ yaml: String, _ line: Int, _ key: String) {
        #expect {
            _ = try ServerConfiguration.parse(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.file == "bad.yaml" && error.line == line && error.key == key
        }
    }

    @Test func environmentOverridesTheFile() throws {
        var configuration = try ServerConfiguration.parse(yaml: "server: {port: 1}\n", file: "f.yaml")
        try configuration.applyEnvironment([
            "TANDEM_PORT": "7000", "TANDEM_NODE_ID": "env-node",
            "TANDEM_DATABASE_URL": "postgres://db/x", "TANDEM_ALLOWED_ORIGINS": "a, b",
        ])
        #expect(configuration.port == 7000 && configuration.nodeID == "env-node")
        #expect(configuration.databaseURL == "postgres://db/x")
        #expect(configuration.allowedOrigins == ["a", "b"])
        #expect(throws: ConfigurationError.self) { try configuration.applyEnvironment(["TANDEM_JWT_SECRET": "short"]) }
    }

    @Test func redisBackplaneSettingsDefaultToTheValuesTheBackplaneHadBuiltIn() {
        let redis = ServerConfiguration().redis
        #expect(redis.streamKey == "tandem:backplane")
        #expect(redis.streamLengthMax == 100_000)
        #expect(redis.readBlock == .seconds(2))
        #expect(redis.reconnectDelayMin == .milliseconds(50) && redis.reconnectDelayMax == .seconds(2))
    }

    @Test func redisBackplaneSettingsAreReadFromTheBackplaneSectionAndReachTheBackplane() async throws {
        let configuration = try ServerConfiguration.parse(
            yaml: """
                backplane:
                  url: redis://127.0.0.1:6390/2
                  stream_key: "acme:collab"
                  stream_length_max: 5_000
                  read_block: 750ms
                  reconnect_delay_min: 20ms
                  reconnect_delay_max: 1s
                """,
            file: "t.yaml"
        )
        let redis = configuration.redis
        #expect(redis.streamKey == "acme:collab" && redis.streamLengthMax == 5_000)
        #expect(redis.readBlock == .milliseconds(750))
        #expect(redis.reconnectDelayMin == .milliseconds(20) && redis.reconnectDelayMax == .seconds(1))
        // Making the backplane connects nothing yet.
        let handle = try BackplaneFactory.redisHandle(configuration.backplaneURL, configuration: configuration)
        let backplane = try #require(handle.backplane as? RedisBackplane)
        let settings = backplane.configuration
        #expect(settings.endpoint == RedisEndpoint(host: "127.0.0.1", port: 6390, database: 2))
        #expect(settings.streamKey == "acme:collab" && settings.streamLengthMax == 5_000)
        #expect(settings.readBlock == .milliseconds(750))
        #expect(settings.reconnectDelayMin == .milliseconds(20) && settings.reconnectDelayMax == .seconds(1))
        await backplane.shutdown()
    }

    @Test func redisBackplaneSettingsAreOverriddenByTheEnvironment() throws {
        var configuration = try ServerConfiguration.parse(
            yaml: "backplane: {stream_key: from-file, reconnect_delay_max: 10s}\n",
            file: "f.yaml"
        )
        try configuration.applyEnvironment([
            "TANDEM_REDIS_URL": "redis://cache:6380", "TANDEM_REDIS_STREAM_KEY": "from-env",
            "TANDEM_REDIS_STREAM_LENGTH_MAX": "250000", "TANDEM_REDIS_READ_BLOCK": "500ms",
            "TANDEM_REDIS_RECONNECT_DELAY_MIN": "100ms", "TANDEM_REDIS_RECONNECT_DELAY_MAX": "5s",
        ])
        let redis = configuration.redis
        #expect(configuration.backplaneURL == "redis://cache:6380")
        #expect(redis.streamKey == "from-env" && redis.streamLengthMax == 250_000)
        #expect(redis.readBlock == .milliseconds(500))
        #expect(redis.reconnectDelayMin == .milliseconds(100) && redis.reconnectDelayMax == .seconds(5))
        #expect(configuration.source == "f.yaml +env")
    }

    @Test(arguments: [
        (
            "backplane:\n  url: redis://r\n  read_block: 0s\n",
            "bad.yaml:3: backplane.read_block: expected a positive duration like 250ms, 15s, 10m, 24h or 30d, "
                + "found '0s'"
        ),
        (
            "backplane:\n  reconnect_delay_min: -50ms\n",
            "bad.yaml:2: backplane.reconnect_delay_min: expected a positive duration like 250ms, 15s, 10m, 24h or 30d, "
                + "found '-50ms'"
        ),
        (
            "backplane:\n  reconnect_delay_min: 1s\n  reconnect_delay_max: 500ms\n",
            "bad.yaml:3: backplane.reconnect_delay_max: reconnect_delay_max (500ms) must be at least "
                + "reconnect_delay_min (1s)"
        ),
        (
            "backplane:\n  reconnect_delay_min: 5s\n",
            "bad.yaml:2: backplane.reconnect_delay_min: reconnect_delay_max (2s) must be at least "
                + "reconnect_delay_min (5s)"
        ),
        ("backplane:\n  stream_key: \"\"\n", "bad.yaml:2: backplane.stream_key: the stream key must not be empty"),
        ("backplane:\n  stream_key: \"  \"\n", "bad.yaml:2: backplane.stream_key: the stream key must not be empty"),
        (
            "backplane:\n  stream_length_max: 0\n",
            "bad.yaml:2: backplane.stream_length_max: 0 is out of range 1…1000000000"
        ),
        (
            "backplane:\n  stream: x\n",
            "bad.yaml:2: backplane.stream: unknown key 'stream'; expected one of url, stream_key, stream_length_max, "
                + "read_block, reconnect_delay_min, reconnect_delay_max"
        ),
    ])
    func redisBackplaneMistakesNameTheFileLineKeyAndRule(_ yaml: String, _ description: String) {
        #expect {
            _ = try ServerConfiguration.parse(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            "\(error)" == description
        }
    }

    @Test(arguments: [
        (["TANDEM_REDIS_STREAM_KEY": ""], "environment: TANDEM_REDIS_STREAM_KEY: the stream key must not be empty"),
        (
            ["TANDEM_REDIS_READ_BLOCK": "0ms"],
            "environment: TANDEM_REDIS_READ_BLOCK: expected a positive duration like 250ms, 15s, 10m, 24h or 30d, "
                + "found '0ms'"
        ),
        (
            ["TANDEM_REDIS_STREAM_LENGTH_MAX": "-1"],
            "environment: TANDEM_REDIS_STREAM_LENGTH_MAX: expected a whole number 1…1000000000, found '-1'"
        ),
        (
            ["TANDEM_REDIS_RECONNECT_DELAY_MAX": "10ms"],
            "environment: TANDEM_REDIS_RECONNECT_DELAY_MAX: reconnect_delay_max (10ms) must be at least "
                + "reconnect_delay_min (50ms)"
        ),
        (
            ["TANDEM_REDIS_RECONNECT_DELAY_MIN": "3s"],
            "environment: TANDEM_REDIS_RECONNECT_DELAY_MIN: reconnect_delay_max (2s) must be at least "
                + "reconnect_delay_min (3s)"
        ),
    ])
    func redisBackplaneEnvironmentMistakesNameTheVariable(_ environment: [String: String], _ description: String) {
        var configuration = ServerConfiguration()
        #expect {
            try configuration.applyEnvironment(environment)
        } throws: { error in
            "\(error)" == description
        }
    }

    @Test func originPolicyAllowsNonBrowsersSameOriginAndTheList() {
        let policy = OriginPolicy(allowed: ["https://app.example"])
        #expect(policy.permits([], host: "h:1"))
        #expect(policy.permits(["https://app.example/"], host: "h:1"))
        #expect(policy.permits(["ws://127.0.0.1"], host: "h:1"))
        #expect(policy.permits(["http://h:1"], host: "h:1"))
        #expect(!policy.permits(["https://evil.example"], host: "h:1"))
        #expect(!policy.permits(["ws://127.0.0.1", "https://evil.example"], host: "h:1"))
    }
}
