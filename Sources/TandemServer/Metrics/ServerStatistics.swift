import Synchronization
import TandemEngine

/// The server's own counters beyond the node's `NodeMetrics`: HTTP and auth outcomes, and the durable-commit
/// latency histogram filled by `InstrumentedEventStore`.
public final class ServerStatistics: Sendable {
    /// A counted server event.
    public enum Counter: String, Sendable, CaseIterable {
        case loginsSucceeded = "logins_succeeded"
        case loginsFailed = "logins_failed"
        /// Refused with 429 before any password check: the username or address is locked out.
        case loginsThrottled = "logins_throttled"
        /// Refused with 503: too many bcrypt checks running and waiting.
        case loginsShed = "logins_shed"
        /// A spent refresh token presented again (its family is revoked).
        case refreshReplays = "refresh_replays"
        /// Users whose tokens were revoked while the server ran (their sockets closed with 4401).
        case tokensRevoked = "tokens_revoked"
        case socketsRefusedOpenLimit = "sockets_refused_address_open_limit"
        case socketsRefusedUpgradeRate = "sockets_refused_address_upgrade_rate"
        case unauthenticatedSockets = "unauthenticated_sockets"
        case originsRefused = "origins_refused"
        case restReads = "rest_reads"
        case restWrites = "rest_writes"
        case restConflicts = "rest_conflicts"
    }

    public let commitLatency = LatencyHistogram()
    /// How long each of the node's stages takes (`tandem_node_stage_seconds`).
    public let stages = NodeStageHistograms()
    /// Changes, conflicts and joins per minute, from the change log and audit events stored.
    public let timeline = AuditTimeline()
    private let counts = Mutex([Counter: Int]())

    public init() {}

    public func count(_ counter: Counter) {
        counts.withLock { $0[counter, default: 0] += 1 }
    }

    public func value(_ counter: Counter) -> Int { counts.withLock { $0[counter] ?? 0 } }
}

/// One histogram per `NodeStage`, with bounds from a microsecond to ten seconds, five per decade (each about 1.6
/// times the last): the stages run from a few microseconds (a frame's decode, a fan-out to one recipient) to
/// milliseconds (a store append), and seconds when the node is overloaded; `tandem calibrate` reads medians and
/// 99th percentiles from them, and a bucket this narrow keeps the interpolation within a few percent.
public final class NodeStageHistograms: NodeStageObserver {
    public static let boundsSeconds: [Double] = (-6...0).flatMap { exponent in
        ["1", "1.6", "2.5", "4", "6.3"].map { Double("\($0)e\(exponent)")! }
    } + [10]

    private let histograms: [NodeStage: LatencyHistogram] = Dictionary(
        uniqueKeysWithValues: NodeStage.allCases.map { ($0, LatencyHistogram(bounds: NodeStageHistograms.boundsSeconds)) })

    public init() {}

    public func observe(_ stage: NodeStage, nanos: Int64) {
        histograms[stage]!.observe(seconds: Double(max(0, nanos)) / 1e9)
    }

    public func snapshot(_ stage: NodeStage) -> LatencyHistogram.Snapshot { histograms[stage]!.snapshot() }
}
