import TandemCore

/// The servers of a scenario and the links between them: nodes, one broker, one store.
///
/// Defaults when a key is omitted: one node; broker `redis-streams`; store latency `{fixed: 1ms}`;
/// links `client_node` `{fixed: 20ms}`, `node_broker` and `node_store` `{fixed: 1ms}`, no loss;
/// node costs as measured on the real server (``NodeCosts/measured``).
public struct Topology: Sendable, Equatable {
    /// The most nodes a scenario may ask for.
    public static let nodeCountMax = 256

    /// The shortest `heartbeat.interval` a scenario may give (clients take no less from `heartbeat_ms`).
    public static let heartbeatIntervalMin = Duration.milliseconds(100)

    /// How many collaboration nodes run, named `node-1` … `node-N`.
    public var nodeCount: Int
    /// The backplane between nodes.
    public var broker: BrokerKind
    /// `broker.recovery`: whether nodes fill version gaps from the store (default true). Turning it off
    /// under `redis-pubsub` shows what fire-and-forget pub/sub loses; the checkers must catch it.
    public var brokerRecovery = true
    /// `broker.max_length`: how many envelopes a `redis-streams` broker keeps (Redis's `XADD MAXLEN`); nil means the
    /// server's default (`BackplaneDefaults.streamLengthMax`). A node cut off while more than this many are
    /// published misses the oldest unread ones, as against the real stream.
    public var brokerMaxLength: Int?
    /// `broker.reconnect_delay_min` / `_max`: the backoff by which a node reconnects after a broker outage (the
    /// server's `backplane.reconnect_delay_min` / `_max`); nil means the server's defaults (50 ms, 2 s).
    public var brokerReconnectDelayMin: Duration?
    public var brokerReconnectDelayMax: Duration?
    /// `heartbeat.interval` / `heartbeat.timeout`: the servers' heartbeat (their `heartbeat:` section); nil means the
    /// server's defaults (`HeartbeatDefaults`: 15 s and 45 s). The interval is advertised to clients (each pings after
    /// half of it in silence) and is each node's presence-heartbeat period; a connection silent for the timeout leaves
    /// its sessions, so a connection that went silent (a vanished browser's, a crashed node's) counts until then.
    public var heartbeatInterval: Duration?
    public var heartbeatTimeout: Duration?
    /// The event store's own service latency (on top of the `node_store` link).
    public var storeLatency: DurationDistribution
    /// The three kinds of link.
    public var links: Links
    /// What each node's work costs in CPU time (`topology.node`); every node of the scenario is alike.
    public var node: NodeCosts

    public init(
        nodeCount: Int = 1,
        broker: BrokerKind = .redisStreams,
        storeLatency: DurationDistribution = .fixed(.milliseconds(1)),
        links: Links = Links(),
        node: NodeCosts = .measured
    ) {
        self.nodeCount = nodeCount
        self.broker = broker
        self.storeLatency = storeLatency
        self.links = links
        self.node = node
    }

    /// The heartbeat interval the servers run: the scenario's, else the server's default.
    public var effectiveHeartbeatInterval: Duration { heartbeatInterval ?? HeartbeatDefaults.interval }
    /// The heartbeat timeout the servers run: the scenario's, else the server's default.
    public var effectiveHeartbeatTimeout: Duration { heartbeatTimeout ?? HeartbeatDefaults.timeout }

    /// Every node, `node-1` first.
    public var nodes: [NodeID] { (0..<max(nodeCount, 0)).map { NodeID(number: $0 + 1) } }
}

/// Which backplane the nodes share; the two differ in what a partition loses.
public enum BrokerKind: String, Sendable, Equatable, CaseIterable {
    /// Redis Streams: a node resumes from its stream position after a partition.
    case redisStreams = "redis-streams"
    /// Redis pub/sub: fire-and-forget, messages published during a partition are lost for that node.
    case redisPubSub = "redis-pubsub"
}

/// The three kinds of link a scenario configures, each with its own latency and loss.
public struct Links: Sendable, Equatable {
    /// Browser (or simulated client) ↔ node.
    public var clientNode: LinkSettings
    /// Node ↔ broker.
    public var nodeBroker: LinkSettings
    /// Node ↔ store.
    public var nodeStore: LinkSettings

    public init(
        clientNode: LinkSettings = LinkSettings(latency: .fixed(.milliseconds(20))),
        nodeBroker: LinkSettings = LinkSettings(latency: .fixed(.milliseconds(1))),
        nodeStore: LinkSettings = LinkSettings(latency: .fixed(.milliseconds(1)))
    ) {
        self.clientNode = clientNode
        self.nodeBroker = nodeBroker
        self.nodeStore = nodeStore
    }

    /// The settings of one kind of link.
    public subscript(kind: LinkKind) -> LinkSettings {
        switch kind {
        case .clientNode: clientNode
        case .nodeBroker: nodeBroker
        case .nodeStore: nodeStore
        }
    }
}

/// One kind of link's one-way latency and independent per-message loss probability.
public struct LinkSettings: Sendable, Equatable {
    /// One-way delay of each message.
    public var latency: DurationDistribution
    /// Probability in [0, 1] that a message is dropped; 0 when omitted.
    public var loss: Double

    public init(latency: DurationDistribution, loss: Double = 0) {
        self.latency = latency
        self.loss = loss
    }
}

/// A kind of link, as `latency_spike` and `loss` faults name it.
public enum LinkKind: String, Sendable, Equatable, CaseIterable {
    case clientNode = "client_node"
    case nodeBroker = "node_broker"
    case nodeStore = "node_store"
}

/// A collaboration node's 1-based number, written `node-N` in scenario files.
public struct NodeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1 for `node-1`.
    public var number: Int

    public init(number: Int) {
        self.number = number
    }

    /// Parses `node-N` with N ≥ 1; returns nil for anything else.
    public init?(name: String) {
        guard name.hasPrefix("node-"), let number = Int(name.dropFirst(5)), number >= 1,
            !name.dropFirst(5).hasPrefix("+"), !name.dropFirst(5).hasPrefix("0")
        else { return nil }
        self.number = number
    }

    public var description: String { "node-\(number)" }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.number < rhs.number }
}
