import TandemCore
import TandemRuntime

/// Everything a node is told at start: who it is, what it serves, and its limits.
public struct NodeConfiguration: Sendable {
    public var nodeID: String
    public var models: ModelRegistry
    public var access: AccessPolicy
    public var limits: NodeLimits
    /// Advertised to clients in `connection_confirmed`; also the node's presence heartbeat period.
    public var heartbeatInterval: Duration
    /// A connection (local or on another node) not heard from for this long is gone: no ghosts.
    public var heartbeatTimeout: Duration
    /// Fill version gaps from the store. Turned off only to show what fire-and-forget pub/sub loses.
    public var gapRecovery: Bool
    /// Broken-engine switch for checker tests: acknowledge before the store write. Never set in production.
    public var ackBeforePersist: Bool

    public init(
        nodeID: String, models: ModelRegistry = .demo, access: AccessPolicy = .standard, limits: NodeLimits = NodeLimits(),
        heartbeatInterval: Duration = HeartbeatDefaults.interval, heartbeatTimeout: Duration = HeartbeatDefaults.timeout,
        gapRecovery: Bool = true, ackBeforePersist: Bool = false
    ) {
        self.nodeID = nodeID
        self.models = models
        self.access = access
        self.limits = limits
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
        self.gapRecovery = gapRecovery
        self.ackBeforePersist = ackBeforePersist
    }
}

/// The node's named limits (PROTOCOL.md defaults).
public struct NodeLimits: Sendable, Hashable {
    public var participantsPerSessionMax = 250
    public var messagesPerSecond = 100.0
    public var messageBurst = 200.0
    /// Limit breaches answered with an error before the connection is closed (1008).
    public var breachesBeforeCloseMax = 20
    /// Committed changes kept in memory per record for transforms and resyncs; older ones come from the store.
    public var historyWindowCount = 1_000
    /// How far behind the record's version a change's base or a resync may be for the node to grow the window back to
    /// it with the changes read from the store (read once, then served from memory to every change and resync based
    /// that far back). The grown window keeps its length while such bases keep coming, then shrinks back to
    /// `historyWindowCount` by one change per commit. Bounds the memory
    /// of a record whose clients lag (at most this many changes per record); a base further back is read from the
    /// store for each request, as every base older than the window was before.
    public var historyReachCount = 10_000
    /// Retries of an append that clashed with another node's commit before answering `internal`.
    public var appendAttemptsMax = 16
    /// The first retry waits up to this long (uniformly at random); each later retry doubles the ceiling.
    public var appendBackoffBase: Duration = .milliseconds(2)
    public var appendBackoffMax: Duration = .milliseconds(200)
    /// Changes fetched from the store per gap fill or resync page.
    public var changesPageCount = 500
    /// Audit events buffered before a flush.
    public var auditBufferCountMax = 256
    /// Audit events held while the store refuses them; past this the oldest are dropped and counted.
    public var auditBacklogCountMax = 10_000
    /// Backplane messages waiting to be published (the broker is slow or unreachable); past this the oldest are
    /// dropped and counted. They are notifications only: other nodes catch up from the store, told by the versions
    /// in later messages and heartbeats.
    public var backplaneOutboxCountMax = 10_000
    /// Sessions per presence heartbeat message; a node holding more sessions sends several messages per beat, so one
    /// message (one Redis stream entry) stays bounded at this many sessions of at most `participantsPerSessionMax`.
    public var heartbeatSessionsPerMessageMax = 256
    public var sessionsPerConnectionMax = 64
    /// Server frames queued for one connection; one more closes it with 1013 (slow consumer). The server's
    /// `limits.outbound_queue_count_max` and the simulator's write queues both default to this one number.
    public var outboundQueueCountMax = 1_024

    public init() {}
}

/// The injected world of a node: the only way it reads time, makes ids or reaches anything outside itself.
public struct NodeEnvironment: Sendable {
    public var clock: any TandemClock
    public var store: any EventStore
    public var backplane: any Backplane
    /// Seeds the node's random source (only used for jitter; ids are counters).
    public var seed: UInt64
    /// Where the node reports how long its stages take (`NodeStage`); none in the simulator.
    public var stages: (any NodeStageObserver)?

    public init(
        clock: any TandemClock, store: any EventStore, backplane: any Backplane, seed: UInt64,
        stages: (any NodeStageObserver)? = nil
    ) {
        self.clock = clock
        self.store = store
        self.backplane = backplane
        self.seed = seed
        self.stages = stages
    }
}
