import Histogram

/// The histograms of one latency kind: one for the whole run and a small ring of per-time-bucket ones.
///
/// The ring holds at most `openBucketCountMax` buckets; when time moves past the oldest, its percentiles are
/// summarised into `closedBuckets` and its histogram is reset and reused, so memory stays flat however long the
/// run is. A sample whose bucket has already been closed still counts in the total but not over time
/// (`lateSampleCount`).
struct LatencyTrack {
    var total: Histogram<UInt64>
    var ring: [Histogram<UInt32>]
    /// An empty bucket histogram: a closed slot becomes a copy of it (the copy's counts are copied in one block on
    /// its first sample; the package's `reset` clears them one by one in unspecialised code, 1.3 million
    /// instructions per bucket).
    let emptyBucket: Histogram<UInt32>
    /// The bucket index held in each ring slot, or -1 for an unused slot.
    var ringBucketIndex: [Int64]
    var newestBucketIndex: Int64 = -1
    var closedBuckets: [LatencyBucket] = []
    var lateSampleCount: UInt64 = 0
    var clampedSampleCount: UInt64 = 0
    let highestTrackableNanos: Int64
    let bucketWidthNanos: Int64

    init(configuration: MetricsRecorder.Configuration) {
        highestTrackableNanos = configuration.highestTrackableLatencyNanos
        bucketWidthNanos = configuration.bucketWidthNanos
        total = Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: UInt64(configuration.highestTrackableLatencyNanos),
            numberOfSignificantValueDigits: .three
        )
        let bucketHistogram = Histogram<UInt32>(
            lowestDiscernibleValue: 1_000,
            highestTrackableValue: UInt64(configuration.highestTrackableLatencyNanos),
            numberOfSignificantValueDigits: .three
        )
        emptyBucket = bucketHistogram
        ring = Array(repeating: bucketHistogram, count: configuration.openBucketCountMax)
        ringBucketIndex = Array(repeating: -1, count: configuration.openBucketCountMax)
    }

    @inline(__always)
    mutating func record(valueNanos: Int64, atNanos: Int64) {
        var value = valueNanos
        if value < 0 || value > highestTrackableNanos {
            clampedSampleCount &+= 1
            value = min(max(value, 0), highestTrackableNanos)
        }
        total.record(UInt64(value))

        let bucketIndex = atNanos / bucketWidthNanos
        if bucketIndex > newestBucketIndex {
            advance(to: bucketIndex)
        }
        let slot = Int(bucketIndex % Int64(ring.count))
        guard ringBucketIndex[slot] == bucketIndex else {
            lateSampleCount &+= 1
            return
        }
        ring[slot].record(UInt64(value))
    }

    /// Closes every open bucket that falls out of the ring when `bucketIndex` becomes the newest.
    mutating func advance(to bucketIndex: Int64) {
        let oldestKept = bucketIndex - Int64(ring.count) + 1
        for slot in Self.slotsInBucketOrder(ringBucketIndex) where ringBucketIndex[slot] < oldestKept {
            closedBuckets.append(
                Self.summary(of: ring[slot], bucketIndex: ringBucketIndex[slot], width: bucketWidthNanos)
            )
            ring[slot] = emptyBucket
            ringBucketIndex[slot] = -1
        }
        let firstNew = max(newestBucketIndex + 1, oldestKept)
        if firstNew <= bucketIndex {
            for index in firstNew...bucketIndex {
                ringBucketIndex[Int(index % Int64(ring.count))] = index
            }
        }
        newestBucketIndex = bucketIndex
    }

    /// The over-time series so far, including the buckets still open, oldest first; empty buckets are left out.
    func overTime() -> [LatencyBucket] {
        var buckets = closedBuckets
        for slot in Self.slotsInBucketOrder(ringBucketIndex) {
            buckets.append(Self.summary(of: ring[slot], bucketIndex: ringBucketIndex[slot], width: bucketWidthNanos))
        }
        return buckets.filter { $0.count > 0 }
    }

    static func slotsInBucketOrder(_ indices: [Int64]) -> [Int] {
        indices.indices.filter { indices[$0] >= 0 }.sorted { indices[$0] < indices[$1] }
    }

    static func summary(of histogram: Histogram<UInt32>, bucketIndex: Int64, width: Int64) -> LatencyBucket {
        let count = histogram.totalCount
        let (percentiles, _) = count == 0 ? ([0, 0], 0) : histogram.percentilesAndMean([50, 99], withMean: false)
        return LatencyBucket(
            tMs: Milliseconds.from(nanos: bucketIndex * width),
            p50Ms: Milliseconds.from(nanos: percentiles[0]),
            p99Ms: Milliseconds.from(nanos: percentiles[1]),
            count: count
        )
    }
}

/// Conversions from nanoseconds to the milliseconds a report shows, rounded to the microsecond.
enum Milliseconds {
    static func from(nanos: Int64) -> Double { (Double(nanos) / 1_000).rounded() / 1_000 }
    static func from(nanos: UInt64) -> Double { (Double(nanos) / 1_000).rounded() / 1_000 }
    static func from(nanos: Double) -> Double { (nanos / 1_000).rounded() / 1_000 }
    /// Rounds a millisecond value to the microsecond, the precision of every time in a report.
    static func rounded(_ ms: Double) -> Double { (ms * 1_000).rounded() / 1_000 }
}
