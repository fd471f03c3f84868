import Foundation
import TandemRuntime

/// The statistics of the scenario gate: two sets of per-seed values of one metric (a baseline's seeds and a
/// candidate's), compared without assuming a distribution.
///
/// - `bootstrapMedianDifference`: a percentile bootstrap confidence interval of `median(candidate) −
///   median(baseline)`, drawn from a seeded SplitMix64, so the same inputs always give the same interval.
/// - `mannWhitney`: the two-sided Mann–Whitney U test; exact for small samples without ties, otherwise the normal
///   approximation with continuity and tie correction.
///
/// Everything here is a pure function of its arguments.
public enum GateStatistics {
    /// The seed of the bootstrap's generator unless one is given.
    public static let defaultBootstrapSeed: UInt64 = 0x7461_6E64_656D_6774  // "tandemgt"
    /// How many bootstrap resamples unless told.
    public static let defaultResamples = 2_000
    /// Up to this many values in both samples together, and without ties, the U test's p-value is exact.
    public static let exactLimit = 40

    /// A closed interval of a difference, in the values' unit.
    public struct Interval: Sendable, Equatable, Codable {
        public var lower: Double
        public var upper: Double

        public init(lower: Double, upper: Double) {
            self.lower = lower
            self.upper = upper
        }
    }

    /// The outcome of a Mann–Whitney U test.
    public struct UTest: Sendable, Equatable {
        /// U of the candidate: the number of (candidate, baseline) pairs where the candidate is larger, ties
        /// counting one half.
        public var u: Double
        /// The two-sided p-value.
        public var p: Double
        /// Whether `p` is exact (small samples without ties) or from the normal approximation.
        public var exact: Bool
    }

    /// The median: the middle value, or the mean of the two middle values. `values` must not be empty.
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        return medianOfSorted(values.sorted())
    }

    static func medianOfSorted(_ sorted: [Double]) -> Double {
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The `q` quantile (0…1) of sorted values, interpolating linearly between closest ranks (Hyndman–Fan type 7,
    /// the default of R and NumPy): position `q × (n − 1)`.
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && (0...1).contains(q), "quantile needs values and 0 ≤ q ≤ 1")
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    /// A percentile bootstrap interval of `median(candidate) − median(baseline)`: `resamples` times, both samples
    /// are drawn again with replacement (baseline first, then candidate, each an index into the sorted sample from
    /// `SplitMix64.bounded`) and the difference of their medians noted; the interval is the `(1 − confidence) / 2` and `(1 + confidence) / 2`
    /// quantiles of those differences.
    public static func bootstrapMedianDifference(
        baseline: [Double],
        candidate: [Double],
        confidence: Double = 0.95,
        resamples: Int = defaultResamples,
        seed: UInt64 = defaultBootstrapSeed
    ) -> Interval {
        precondition(!baseline.isEmpty && !candidate.isEmpty, "bootstrap needs values on both sides")
        precondition(resamples > 0 && confidence > 0 && confidence < 1, "bad bootstrap parameters")
        var random = SplitMix64(seed: seed)
        var differences: [Double] = []
        differences.reserveCapacity(resamples)
        let (sortedBaseline, sortedCandidate) = (baseline.sorted(), candidate.sorted())
        var counts: [Int] = []
        for _ in 0..<resamples {
            let before = resampledMedian(sortedBaseline, counts: &counts, random: &random)
            let after = resampledMedian(sortedCandidate, counts: &counts, random: &random)
            differences.append(after - before)
        }
        differences.sort()
        let tail = (1 - confidence) / 2
        return Interval(lower: quantile(sorted: differences, tail), upper: quantile(sorted: differences, 1 - tail))
    }

    /// The median of `sorted.count` draws with replacement from `sorted`: counts how often each index is drawn
    /// and walks the counts to the middle, which is the median of the sorted resample without sorting it.
    static func resampledMedian(_ sorted: [Double], counts: inout [Int], random: inout SplitMix64) -> Double {
        let n = sorted.count
        counts.removeAll(keepingCapacity: true)
        counts.append(contentsOf: repeatElement(0, count: n))
        for _ in 0..<n { counts[random.bounded(n)] += 1 }
        // The values at 0-based ranks (n − 1) / 2 and n / 2 of the resample.
        func value(atRank rank: Int) -> Double {
            var seen = 0
            for index in 0..<n {
                seen += counts[index]
                if seen > rank { return sorted[index] }
            }
            return sorted[n - 1]
        }
        return (value(atRank: (n - 1) / 2) + value(atRank: n / 2)) / 2
    }

    /// Fisher's exact test, one-sided: the probability, with `baselineMisses + candidateMisses` misses spread at
    /// random over both sets of seeds, that the candidate's `candidateCount` seeds hold `candidateMisses` or more
    /// (the hypergeometric upper tail). Small when the candidate misses a threshold in more of its seeds than chance
    /// explains.
    public static func fisherOneSided(
        baselineMisses: Int, baselineCount: Int, candidateMisses: Int, candidateCount: Int
    ) -> Double {
        precondition(
            (0...baselineCount).contains(baselineMisses) && (0...candidateCount).contains(candidateMisses),
            "misses must be between 0 and the seed count")
        let misses = baselineMisses + candidateMisses
        let total = baselineCount + candidateCount
        func logChoose(_ n: Int, _ k: Int) -> Double {
            lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
        }
        var p = 0.0
        for drawn in candidateMisses...min(misses, candidateCount) where misses - drawn <= baselineCount {
            p += exp(
                logChoose(candidateCount, drawn) + logChoose(baselineCount, misses - drawn) - logChoose(total, misses))
        }
        return min(1, p)
    }

    /// The two-sided Mann–Whitney U test of `candidate` against `baseline`.
    ///
    /// Values are ranked together, ties taking their mean rank. Without ties and with at most `exactLimit` values
    /// in all, p is exact: twice the probability of a U at least as far from `n₁n₂ / 2`, by counting rank
    /// arrangements. Otherwise z = (|U − n₁n₂/2| − ½) / σ with σ² = n₁n₂/12 · ((N + 1) − Σ(t³ − t) / (N(N − 1)))
    /// over the tie groups t, and p = erfc(z / √2). When every value is equal, p is 1.
    public static func mannWhitney(baseline: [Double], candidate: [Double]) -> UTest {
        precondition(!baseline.isEmpty && !candidate.isEmpty, "U test needs values on both sides")
        let (m, n) = (Double(candidate.count), Double(baseline.count))
        let pooled = (candidate.map { ($0, true) } + baseline.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var rankSum = 0.0
        var tieTerm = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count, pooled[end + 1].0 == pooled[start].0 { end += 1 }
            let meanRank = Double(start + end) / 2 + 1
            let size = Double(end - start + 1)
            tieTerm += size * size * size - size
            for index in start...end where pooled[index].1 { rankSum += meanRank }
            start = end + 1
        }
        let u = rankSum - m * (m + 1) / 2
        let total = m + n
        if tieTerm == 0, candidate.count + baseline.count <= exactLimit {
            return UTest(u: u, p: exactTwoSidedP(u: u, m: candidate.count, n: baseline.count), exact: true)
        }
        let variance = m * n / 12 * ((total + 1) - tieTerm / (total * (total - 1)))
        guard variance > 0 else { return UTest(u: u, p: 1, exact: false) }
        let z = max(abs(u - m * n / 2) - 0.5, 0) / variance.squareRoot()
        return UTest(u: u, p: min(1, erfc(z / 2.0.squareRoot())), exact: false)
    }

    /// Twice the probability, under the null hypothesis, of a U as far from the middle as `u` or farther, capped
    /// at 1. Counts arrangements with `c(u; m, n) = c(u − n; m − 1, n) + c(u; m, n − 1)` (is the largest value
    /// one of the m?).
    static func exactTwoSidedP(u: Double, m: Int, n: Int) -> Double {
        // counts[j] holds c(·; i, j) for the current i, one array per j.
        var counts: [[Double]] = (0...n).map { _ in [1] }
        if m > 0 {
            for i in 1...m {
                var next: [[Double]] = [[1]]
                for j in 1...n {
                    var row = [Double](repeating: 0, count: i * j + 1)
                    for value in row.indices {
                        let withLargestFromM = value >= j && value - j < counts[j].count ? counts[j][value - j] : 0
                        let withLargestFromN = value < next[j - 1].count ? next[j - 1][value] : 0
                        row[value] = withLargestFromM + withLargestFromN
                    }
                    next.append(row)
                }
                counts = next
            }
        }
        let distribution = counts[n]
        let all = distribution.reduce(0, +)
        let lowTail = min(u, Double(m * n) - u)
        var atMost = 0.0
        for (value, count) in distribution.enumerated() where Double(value) <= lowTail + 1e-9 { atMost += count }
        return min(1, 2 * atMost / all)
    }
}
