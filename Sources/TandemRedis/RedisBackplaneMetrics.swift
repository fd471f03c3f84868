import Synchronization

/// A snapshot of what a `RedisBackplane` has done since it was made; every counter only grows.
public struct RedisBackplaneMetrics: Sendable, Hashable {
    /// Envelopes the server acknowledged (XADD returned an id).
    public var publishedCount = 0
    /// Publishes that threw (`BackplaneError`): Redis down, overloaded, refused, closed.
    public var publishFailedCount = 0
    /// Pipelines written (one per batch of queued publishes); `publishedCount / publishBatchCount` is the
    /// average batch size.
    public var publishBatchCount = 0
    /// Envelopes handed to a subscriber's `deliver` (summed over subscribed nodes).
    public var deliveredCount = 0
    /// Stream entries a reader skipped because its own node published them.
    public var ownSkippedCount = 0
    /// Stream entries that were not a valid envelope, logged and skipped.
    public var malformedCount = 0
    /// Connections re-established after a loss (publisher and readers).
    public var reconnectCount = 0
    /// Times a reader found entries it had not read trimmed (or the stream lost); gap fill covers them.
    public var gapCount = 0
    /// The largest delivery lag seen: wall clock when an entry was handed to its node minus the entry id's
    /// time. A high-water mark; how far behind the nodes are now is `RedisBackplane.backlogAgeMillis`.
    public var lagMillisMax: Int64 = 0

    public init() {}
}

/// The shared, lock-protected counters behind `RedisBackplane.metrics`.
final class RedisBackplaneCounters: Sendable {
    private let state = Mutex(RedisBackplaneMetrics())

    var snapshot: RedisBackplaneMetrics { state.withLock { $0 } }

    func update(_ body: (inout RedisBackplaneMetrics) -> Void) { state.withLock { body(&$0) } }

    func recordLag(_ millis: Int64) {
        state.withLock {
            $0.lagMillisMax = max($0.lagMillisMax, millis)
        }
    }
}
