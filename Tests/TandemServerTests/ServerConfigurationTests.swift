import TandemCore
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
