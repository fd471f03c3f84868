import Histogram

/// The report's questions to an HDR histogram, answered in one pass, in code specialised for its count type.
///
/// The package's `valueAtPercentile`, `mean` and `reset` are not inlinable, so from this module they run as
/// unspecialised generic code over every count slot (about 23,000 of them in a per-second bucket, 32,000 in a whole
/// run's histogram at three digits to an hour): callgrind counted about 50 instructions a slot, 1.3 million per
/// `reset`, and the report asks for 26 percentiles and a mean per summary, each a scan of its own. Closing the
/// per-second buckets and summarising the report were 6–7 % of `scale-1000x10`'s instructions and a fifth of
/// `classroom-150`'s (docs/BENCHMARKS.md, *Simulator*). The package's iterators are inlinable, so the same scans
/// written here over `recordedValues()` are specialised, and one scan answers every percentile at once.
///
/// Every answer is the package's own, bit for bit: the same arithmetic in the same order (a test compares them over
/// random value sets).
extension Histogram {
    /// `valueAtPercentile(p)` for each of `percentiles` (any order) and, `withMean`, `mean` (else 0), from one scan of
    /// the recorded values.
    func percentilesAndMean(_ percentiles: [Double], withMean: Bool = true) -> (values: [UInt64], mean: Double) {
        let total = totalCount
        guard total > 0 else { return (Array(repeating: 0, count: percentiles.count), 0) }
        let minimum = self.min
        let maximum = maxRecorded
        var values = [UInt64](repeating: 0, count: percentiles.count)
        // (count the percentile needs, its place in `values`), in the order the scan reaches them.
        var targets: [(count: UInt64, slot: Int)] = []
        targets.reserveCapacity(percentiles.count)
        for (slot, percentile) in percentiles.enumerated() {
            // As `valueAtPercentile`: 0 is the minimum, 100 and above (and NaN) the maximum recorded; otherwise the
            // count at the percentile less one ulp, rounded up, and at least 1.
            if percentile == 0 {
                values[slot] = minimum
            } else if !(percentile < 100) {
                values[slot] = maximum
            } else {
                let requested = Swift.min(Swift.max(percentile.nextDown, 0), 100)
                let countAtPercentile = (requested * Double(total)) / 100
                targets.append((Swift.max(1, UInt64(countAtPercentile.rounded(.up))), slot))
            }
        }
        targets.sort { $0.count < $1.count }
        var next = 0
        var totalValue: Double = 0
        for value in recordedValues() {
            // `mean`'s sum, term by term in the same order.
            if withMean {
                totalValue += Double(medianEquivalentForValue(value.value)) * Double(value.count)
            } else if next == targets.count {
                break
            }
            // The first index whose running count reaches a target is where `valueAtPercentile` stops for it; an
            // index with no count never does, and `recordedValues` skips only those.
            while next < targets.count, value.totalCountToThisValue >= targets[next].count {
                values[targets[next].slot] = Swift.max(Swift.min(value.value, maximum), minimum)
                next += 1
            }
        }
        return (values, withMean ? totalValue / Double(total) : 0)
    }
}
