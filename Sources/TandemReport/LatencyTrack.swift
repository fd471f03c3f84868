import Histogram

/// The samples of one latency kind: a histogram for the whole run and a small ring of per-time-bucket ones.
///
/// The ring holds at most `openBucketCountMax` buckets; when time moves past the oldest, its percentiles are
/// summarised into `closedBuckets` and its slot is emptied and reused, so memory stays flat however long the
/// run is. A sample whose bucket has already been closed still counts in the total but not over time
/// (`lateSampleCount`).
///
/// A bucket keeps its samples, not a histogram of them, and its summary answers exactly what an HDR histogram of
/// the same shape (`bucketShape`) would (``BucketSamples``): the package's histogram is summarised by a scan of
/// every one of its ~23,000 count slots, 1.45 million instructions per closed bucket (1.8 % of `scale-1000x10`'s),
/// where a bucket of a few thousand samples sorts in a fraction of that.
struct LatencyTrack {
    var total: Histogram<UInt64>
    var ring: [BucketSamples]
    /// The shape of a bucket's histogram (its value equivalence ranges), which its summary follows.
    let bucketShape: Histogram<UInt32>
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
        bucketShape = Histogram<UInt32>(
            lowestDiscernibleValue: 1_000,
            highestTrackableValue: UInt64(configuration.highestTrackableLatencyNanos),
            numberOfSignificantValueDigits: .three
        )
        ring = Array(repeating: BucketSamples(), count: configuration.openBucketCountMax)
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
        ring[slot].values.append(UInt64(value))
    }

    /// Closes every open bucket that falls out of the ring when `bucketIndex` becomes the newest.
    mutating func advance(to bucketIndex: Int64) {
        let oldestKept = bucketIndex - Int64(ring.count) + 1
        for slot in Self.slotsInBucketOrder(ringBucketIndex) where ringBucketIndex[slot] < oldestKept {
            closedBuckets.append(summary(of: ring[slot], bucketIndex: ringBucketIndex[slot]))
            ring[slot].values.removeAll(keepingCapacity: true)
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
            buckets.append(summary(of: ring[slot], bucketIndex: ringBucketIndex[slot]))
        }
        return buckets.filter { $0.count > 0 }
    }

    static func slotsInBucketOrder(_ indices: [Int64]) -> [Int] {
        indices.indices.filter { indices[$0] >= 0 }.sorted { indices[$0] < indices[$1] }
    }

    func summary(of bucket: BucketSamples, bucketIndex: Int64) -> LatencyBucket {
        let percentiles = bucket.percentiles([50, 99], shape: bucketShape)
        return LatencyBucket(
            tMs: Milliseconds.from(nanos: bucketIndex * bucketWidthNanos),
            p50Ms: Milliseconds.from(nanos: percentiles[0]),
            p99Ms: Milliseconds.from(nanos: percentiles[1]),
            count: UInt64(bucket.values.count)
        )
    }
}

/// The samples of one time bucket, and the percentiles an HDR histogram of them would answer.
struct BucketSamples {
    var values: [UInt64] = []

    /// `valueAtPercentile(p)` for each of `percentiles` (each above 0 and below 100) of a histogram shaped as `shape`
    /// holding `values` (each within its trackable range), 0 for each when there are none: bit for bit the package's
    /// answer (a test compares them).
    ///
    /// The package's walk stops, for a percentile, at the first count slot whose running count reaches the count the
    /// percentile needs, k: the slot of the k-th smallest value. It answers that slot's highest equivalent value,
    /// clamped between the histogram's `min` (0 if a value fell in the first slot, else the least value) and its
    /// `maxRecorded` (the greatest value).
    func percentiles(_ percentiles: [Double], shape: Histogram<UInt32>) -> [UInt64] {
        guard !values.isEmpty else { return Array(repeating: 0, count: percentiles.count) }
        let sorted = values.sorted()
        let total = UInt64(sorted.count)
        let minimum = shape.lowestEquivalentForValue(sorted[0]) == 0 ? 0 : sorted[0]
        let maximum = sorted[sorted.count - 1]
        return percentiles.map { percentile in
            precondition(percentile > 0 && percentile < 100, "a bucket's percentiles are inside (0, 100)")
            // As `valueAtPercentile`: the count at the percentile less one ulp, rounded up, and at least 1.
            let requested = min(max(percentile.nextDown, 0), 100)
            let countAtPercentile = (requested * Double(total)) / 100
            let k = max(1, UInt64(countAtPercentile.rounded(.up)))
            return max(min(shape.highestEquivalentForValue(sorted[Int(k) - 1]), maximum), minimum)
        }
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
