import DequeModule

/// What one reader knows its node has not been handed yet, as Redis timestamps: the source of the lag gauge.
///
/// A plain value: `RedisStreamReader` keeps it under its lock and asks it how old the oldest pending entry is.
/// Pending means read and queued for the node but not delivered, or still in Redis after an `XREAD` that
/// filled its `COUNT` (the stream may hold more). An `XREAD` that returned less than `COUNT` means the reader
/// had caught up with the stream, so an idle backplane has nothing pending and its age is 0.
///
/// - Warning: an entry in Redis that no `XREAD` has reported is not seen: that is one round trip while the
///   reader is connected, and the reconnect delay while it is cut off.
package struct RedisReaderBacklog: Sendable {
    /// Timestamps (Unix milliseconds of the entry ids) of entries queued for the node, oldest first.
    private var queuedMillis: Deque<Int64> = []
    /// While the last `XREAD` filled its `COUNT`: the timestamp of the last entry it returned, which no entry
    /// still unread in Redis predates.
    private var unreadAfterMillis: Int64?

    package init() {}

    /// Entries queued for the node; the reader bounds it by `deliveryQueueCountMax`.
    package var queuedCount: Int { queuedMillis.count }

    /// An `XREAD` returned `count` entries, the last stamped `lastMillis`, asking for at most `countMax`.
    package mutating func read(count: Int, countMax: Int, lastMillis: Int64?) {
        unreadAfterMillis = count >= countMax ? lastMillis : nil
    }

    package mutating func queued(millis: Int64) { queuedMillis.append(millis) }

    /// The oldest queued entry reached the node.
    package mutating func delivered() {
        precondition(!queuedMillis.isEmpty, "delivered an entry that was never queued")
        queuedMillis.removeFirst()
    }

    /// The timestamp of the oldest entry known not to have reached the node, or nil when it has everything.
    package var oldestMillis: Int64? {
        switch (queuedMillis.first, unreadAfterMillis) {
        case (let queued?, let unread?): return min(queued, unread)
        case (let queued, let unread): return queued ?? unread
        }
    }

    /// How long the oldest pending entry has waited at `nowMillis`: 0 when nothing is pending, and never below 0
    /// (the Redis server's clock may run ahead of this one).
    package func ageMillis(nowMillis: Int64) -> Int64 {
        oldestMillis.map { max(0, nowMillis - $0) } ?? 0
    }
}
