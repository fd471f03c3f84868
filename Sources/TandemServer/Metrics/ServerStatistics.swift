import Synchronization

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
    private let counts = Mutex([Counter: Int]())

    public init() {}

    public func count(_ counter: Counter) {
        counts.withLock { $0[counter, default: 0] += 1 }
    }

    public func value(_ counter: Counter) -> Int { counts.withLock { $0[counter] ?? 0 } }
}
