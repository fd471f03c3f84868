import Synchronization

/// The server's own counters beyond the node's `NodeMetrics`: HTTP and auth outcomes, and the durable-commit
/// latency histogram filled by `InstrumentedEventStore`.
public final class ServerStatistics: Sendable {
    /// A counted server event.
    public enum Counter: String, Sendable, CaseIterable {
        case loginsSucceeded = "logins_succeeded"
        case loginsFailed = "logins_failed"
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
