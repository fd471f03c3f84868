import Foundation
import TandemScenario

/// The nodes a live run drives, managed or not: where clients connect, where REST calls and the checkers' probes go,
/// and — for a cluster the runner started — the process and the fault proxies that faults act on.
public struct LiveTargets: Sendable {
    public struct Node: Sendable {
        public var name: String
        /// Where the users' WebSockets go (through the client proxy when there is one).
        public var clientAddress: LiveLinks.Address
        /// Where REST calls (logins, DELETE, /metrics) and the checkers' probes go: the node itself.
        public var directAddress: LiveLinks.Address
        public var server: ManagedServerNode?
        public var clientProxy: FaultProxy?
        public var brokerProxy: FaultProxy?
        public var storeProxy: FaultProxy?

        public var restURL: String { "http://\(directAddress.host):\(directAddress.port)" }
    }

    public var nodes: [Node]
    /// The store the checkers read (`sqlite:PATH` or a PostgreSQL URL).
    public var storeURL: String
    /// Every scenario user's password, and the administrator's account (for DELETE and the checkers' probes).
    public var password: String
    public var adminUsername: String
    public var adminPassword: String
    /// True when the runner started the processes and the proxies (every fault kind is available).
    public var managed: Bool

    /// The nodes of a cluster the runner started.
    public init(cluster: LiveCluster) {
        nodes = cluster.nodes.map { node in
            Node(name: node.id.description, clientAddress: LiveLinks.Address(host: "127.0.0.1", port: node.clientPort),
                 directAddress: LiveLinks.Address(host: "127.0.0.1", port: node.server.port), server: node.server,
                 clientProxy: node.clientProxy, brokerProxy: node.brokerProxy, storeProxy: node.storeProxy)
        }
        storeURL = cluster.storeURL
        password = cluster.password
        adminUsername = "live-admin"
        adminPassword = cluster.password
        managed = true
    }

    /// Servers someone else runs: `urls` are `http://host:port`, one per node (node N's users go to the N-th, modulo
    /// their count); every scenario user logs in with `password`.
    public init(
        urls: [String], storeURL: String, password: String, adminUsername: String, adminPassword: String
    ) throws {
        nodes = try urls.enumerated().map { index, url in
            let address = try Self.address(url)
            return Node(name: "node-\(index + 1)", clientAddress: address, directAddress: address)
        }
        guard !nodes.isEmpty else { throw LiveRunError("--target: give at least one http://host:port") }
        self.storeURL = storeURL
        self.password = password
        self.adminUsername = adminUsername
        self.adminPassword = adminPassword
        managed = false
    }

    /// The scenario's faults that these targets cannot carry out, each named with the reason; empty when all can.
    public func unsupportedFaults(of scenario: Scenario) -> [String] {
        guard !managed else { return [] }
        return scenario.faults.enumerated().compactMap { index, fault in
            let why: String? = switch fault.kind {
            case .crash: "needs control of the node's process"
            case .partition, .latencySpike, .loss, .brokerOutage: "needs the runner's fault proxies on the links"
            case .disconnect, .deleteRecord: nil
            }
            return why.map { "faults[\(index)] (\(fault.kind.key)) \($0): not available against --target servers" }
        }
    }

    static func address(_ url: String) throws -> LiveLinks.Address {
        guard let parsed = URL(string: url), let host = parsed.host, ["http", "ws"].contains(parsed.scheme ?? "") else {
            throw LiveRunError("--target \(url): expected http://host:port (TLS is not built in; put a plain "
                + "listener or a tunnel in front)")
        }
        return LiveLinks.Address(host: host, port: parsed.port ?? 80)
    }
}
