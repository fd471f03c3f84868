/// The samples of one gauge, folded into one entry per time bucket (the maximum and the last value).
///
/// Samples usually arrive in time order, so the bucket is found at the end of the array; an older one is found by
/// binary search, which keeps the series sorted without a dictionary.
struct GaugeTrack: Sendable {
    struct Bucket: Sendable {
        var bucketIndex: Int64
        var max: Double
        var last: Double
    }

    var buckets: [Bucket] = []
    var maxValue: Double = 0
    var lastValue: Double = 0
    var sampleCount: Int64 = 0

    mutating func record(value: Double, bucketIndex: Int64) {
        if sampleCount == 0 || value > maxValue { maxValue = value }
        sampleCount &+= 1
        if let lastIndex = buckets.indices.last, buckets[lastIndex].bucketIndex == bucketIndex {
            buckets[lastIndex].max = Swift.max(buckets[lastIndex].max, value)
            buckets[lastIndex].last = value
            lastValue = value
            return
        }
        if buckets.last.map({ $0.bucketIndex < bucketIndex }) ?? true {
            buckets.append(Bucket(bucketIndex: bucketIndex, max: value, last: value))
            lastValue = value
            return
        }
        // A late sample: it updates its own bucket but is not the gauge's latest value.
        let low = position(of: bucketIndex)
        if low < buckets.count, buckets[low].bucketIndex == bucketIndex {
            buckets[low].max = Swift.max(buckets[low].max, value)
        } else {
            buckets.insert(Bucket(bucketIndex: bucketIndex, max: value, last: value), at: low)
        }
    }

    /// Where `bucketIndex`'s bucket is, or would go, in the sorted `buckets` (binary search).
    func position(of bucketIndex: Int64) -> Int {
        var low = 0
        var high = buckets.count
        while low < high {
            let middle = (low + high) / 2
            if buckets[middle].bucketIndex < bucketIndex { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
