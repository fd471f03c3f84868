import Foundation
import TandemRuntime
import TandemScenario

/// A scenario's topology as real processes on this machine: `tandem-server` nodes, a `redis-server` for
/// their backplane and a throwaway PostgreSQL for their store (one node: SQLite, no Redis), with a
/// `FaultProxy` on every link a fault can cut — clients → each node, each node → Redis, each node →
/// PostgreSQL — carrying the scenario's link latencies. `down` stops everything it started.
public final class LiveCluster: Sendable {
    /// One node as clients reach it.
    public struct Node: Sendable {
        public var id: NodeID
        public var server: ManagedServerNode
        /// Clients connect here: through the node's client link.
        public var clientProxy: FaultProxy
        public var clientPort: Int
        public var brokerProxy: FaultProxy?
        public var storeProxy: FaultProxy?

        public var clientURL: String { "http://127.0.0.1:\(clientPort)" }
    }

    public let directory: URL
    public let nodes: [Node]
    public let redis: ManagedRedis?
    public let postgres: ManagedPostgres?
    /// The user every live client logs in as, and its password (random per run).
    public let username: String
    public let password: String
    /// Where the store is: `sqlite:PATH` (one node) or the PostgreSQL URL, reached directly (not through a proxy).
    public let storeURL: String

    private init(
        directory: URL, nodes: [Node], redis: ManagedRedis?, postgres: ManagedPostgres?, username: String,
        password: String, storeURL: String
    ) {
        self.storeURL = storeURL
        self.directory = directory
        self.nodes = nodes
        self.redis = redis
        self.postgres = postgres
        self.username = username
        self.password = password
    }

    /// Every process id this cluster started and still runs (for a check that nothing is left behind).
    public var processIDs: [Int32] {
        var pids = nodes.compactMap { $0.server.process?.pid }
        if let redis { pids.append(redis.process.pid) }
        if let pid = postgres?.pid { pids.append(pid) }
        return pids
    }

    /// Starts the topology of `scenario`; on any failure stops what it had started and rethrows.
    /// `users` are created on every node (Editor, the run's password), in order, so each has the same id everywhere.
    /// `progress` hears one line per step.
    public static func up(
        _ scenario: Scenario,
        seed: UInt64,
        serverBinary: URL,
        databaseURL: String? = nil,
        directory: URL,
        users: [String] = [],
        serverEnvironment: [String: String] = [:],
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> LiveCluster {
        let topology = scenario.topology
        guard topology.broker == .redisStreams || topology.nodeCount == 1 else {
            throw ManagedProcess.Failure(
                "\(scenario.file): topology.broker: tandem-server speaks Redis Streams only; "
                    + "redis-pubsub runs in the simulator, not live"
            )
        }
        var started = StartedParts()
        var storeURL = databaseURL
        var random = SplitMix64.derive(seed: seed, stream: 0x6C69_7665)
        let password = String(format: "%016llx%016llx", random.next(), random.next())
        let secret = String(format: "%016llx%016llx%016llx", random.next(), random.next(), random.next())
        do {
            let several = topology.nodeCount > 1
            if several {
                progress("starting redis-server")
                started.redis = try await ManagedRedis.start(in: directory)
            }
            if several && storeURL == nil {
                progress("starting a throwaway PostgreSQL (initdb)")
                started.postgres = try await ManagedPostgres.start(in: directory)
                storeURL = started.postgres!.url
            }
            for (index, id) in topology.nodes.enumerated() {
                let links = topology.links
                var brokerProxy: FaultProxy?
                var storeProxy: FaultProxy?
                var backplane: String?
                if let redis = started.redis {
                    let proxy = FaultProxy(name: "\(id)→redis", upstreamPort: redis.port, link: links.nodeBroker,
                                           seed: SplitMix64.derive(seed: seed, stream: UInt64(1_000 + index)).state)
                    backplane = "redis://127.0.0.1:\(try await proxy.start())"
                    started.proxies.append(proxy)
                    brokerProxy = proxy
                }
                var database = storeURL
                if let url = storeURL, let postgres = started.postgres, url == postgres.url {
                    let proxy = FaultProxy(name: "\(id)→postgres", upstreamPort: postgres.port, link: links.nodeStore,
                                           seed: SplitMix64.derive(seed: seed, stream: UInt64(2_000 + index)).state)
                    database = "postgres://postgres@127.0.0.1:\(try await proxy.start())/postgres"
                    started.proxies.append(proxy)
                    storeProxy = proxy
                }
                progress("starting tandem-server \(id)")
                let server = try await ManagedServerNode.start(
                    name: id.description,
                    binary: serverBinary,
                    config: Self.serverConfig(node: id, database: database, backplane: backplane, secret: secret,
                                              password: password, directory: directory.appendingPathComponent("\(id)"),
                                              scenario: scenario, users: users),
                    in: directory.appendingPathComponent("\(id)"),
                    environment: serverEnvironment,
                    readyTimeout: .seconds(30) + .milliseconds(10 * users.count)  // bcrypt per seeded user
                )
                started.servers.append(server)
                let clientProxy = FaultProxy(name: "clients→\(id)", upstreamPort: server.port, link: links.clientNode,
                                             seed: SplitMix64.derive(seed: seed, stream: UInt64(3_000 + index)).state)
                let clientPort = try await clientProxy.start()
                started.proxies.append(clientProxy)
                started.nodes.append(Node(id: id, server: server, clientProxy: clientProxy, clientPort: clientPort,
                                          brokerProxy: brokerProxy, storeProxy: storeProxy))
            }
        } catch {
            await started.stop()
            throw error
        }
        let store = storeURL
            ?? "sqlite:" + directory.appendingPathComponent("\(topology.nodes[0])/data/tandem.sqlite").path
        return LiveCluster(directory: directory, nodes: started.nodes, redis: started.redis, postgres: started.postgres,
                           username: "live", password: password, storeURL: store)
    }

    /// Stops every node, proxy and service, nodes first.
    public func down() async {
        var parts = StartedParts()
        parts.nodes = nodes
        parts.servers = nodes.map(\.server)
        parts.proxies = nodes.flatMap { [$0.clientProxy, $0.brokerProxy, $0.storeProxy].compactMap { $0 } }
        parts.redis = redis
        parts.postgres = postgres
        await parts.stop()
    }

    /// A node's configuration: its port, store and backplane; the scenario's models; the live users; the
    /// scenario's heartbeat (`topology.heartbeat`, as the simulator runs it); limits a load run needs (every client
    /// shares one address).
    static func serverConfig(
        node: NodeID,
        database: String?,
        backplane: String?,
        secret: String,
        password: String,
        directory: URL,
        scenario: Scenario? = nil,
        users: [String] = []
    ) -> String {
        var lines = [
            "server:",
            "  host: 127.0.0.1",
            "  port: {{PORT}}",
            "  node_id: \(node)",
            "  data_dir: \"\(directory.appendingPathComponent("data").path)\"",
            "auth:",
            "  jwt_secret: \"\(secret)\"",
            "  bcrypt_cost: 4",
            "  access_token_ttl: 24h",
            "  login_throttle: {username_failures_free: 1000000, address_failures_free: 1000000}",
            "  bcrypt_queue_max: 1000000",
            "  seed_users:",
            "    - {username: live, password: \"\(password)\", roles: [Editor]}",
            "    - {username: live-admin, password: \"\(password)\", roles: [Admin]}",
        ]
        lines += users.map { "    - {username: \"\($0)\", password: \"\(password)\", roles: [Editor]}" }
        lines += [
            "limits:",
            "  sockets_per_address_max: 1000000",
            "  socket_upgrades_per_second_per_address: 1000000",
            "  socket_upgrade_burst_per_address: 1000000",
        ]
        if let scenario {
            lines += ["  participants_per_session_max: \(max(250, scenario.totalUserCount))"]
            if let writeQueueMax = scenario.topology.node.writeQueueMax {
                lines += ["  outbound_queue_count_max: \(writeQueueMax)"]
            }
        }
        lines += ["logging:", "  level: notice"]
        if let scenario {
            lines += ["heartbeat:", "  interval: \(DurationText.format(scenario.topology.effectiveHeartbeatInterval))",
                      "  timeout: \(DurationText.format(scenario.topology.effectiveHeartbeatTimeout))", "models:"]
            for model in scenario.models {
                lines.append("  \(model.name):")
                for field in model.fields {
                    let policy = field.policy == .manual ? "manual" : "last_writer_wins"
                    lines.append("    \(field.name): {type: \(field.type.rawValue), policy: \(policy)}")
                }
            }
        }
        if let database { lines += ["database:", "  url: \"\(database)\""] }
        if let backplane {
            lines += ["backplane:", "  url: \"\(backplane)\""]
            // The scenario's broker settings, so that the live servers run what the simulated broker modelled.
            if let topology = scenario?.topology {
                if let length = topology.brokerMaxLength { lines.append("  stream_length_max: \(length)") }
                if let delay = topology.brokerReconnectDelayMin {
                    lines.append("  reconnect_delay_min: \(DurationText.format(delay))")
                }
                if let delay = topology.brokerReconnectDelayMax {
                    lines.append("  reconnect_delay_max: \(DurationText.format(delay))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What `up` has started so far, stopped in reverse order on failure and by `down`.
private struct StartedParts {
    var redis: ManagedRedis?
    var postgres: ManagedPostgres?
    var proxies: [FaultProxy] = []
    var servers: [ManagedServerNode] = []
    var nodes: [LiveCluster.Node] = []

    func stop() async {
        for server in servers { await server.stop() }
        for proxy in proxies { await proxy.stop() }
        await redis?.stop()
        await postgres?.stop()
    }
}
