import TandemRuntime
import Testing

@testable import TandemReport

/// The gate's statistics against values worked out by hand (and cross-checked with SciPy's `mannwhitneyu`).
@Suite struct GateStatisticsTests {
    @Test func medianAndQuantileOfSmallSamples() {
        #expect(GateStatistics.median([3, 1, 2]) == 2)
        #expect(GateStatistics.median([4, 1, 3, 2]) == 2.5)
        // Type 7: position q × (n − 1) between closest ranks.
        #expect(GateStatistics.quantile(sorted: [10, 20, 30, 40], 0.5) == 25)
        #expect(GateStatistics.quantile(sorted: [10, 20, 30, 40], 0.25) == 17.5)
        #expect(GateStatistics.quantile(sorted: [10, 20, 30, 40], 1) == 40)
        #expect(GateStatistics.quantile(sorted: [7], 0.975) == 7)
    }

    @Test func bootstrapOfConstantSamplesIsTheExactDifference() {
        let interval = GateStatistics.bootstrapMedianDifference(baseline: [10, 10, 10], candidate: [12, 12, 12, 12])
        #expect(interval == GateStatistics.Interval(lower: 2, upper: 2))
    }

    /// Baseline {1, 2} resamples to a median of 1, 1.5 or 2 (probabilities ¼, ½, ¼); the candidate {3} always to 3.
    /// The differences are 2, 1.5 and 1, so with 2 000 resamples the 2.5 % and 97.5 % quantiles are 1 and 2
    /// (each end holds about 500 draws; missing one entirely has a chance of 0.75^2000).
    @Test func bootstrapOfATwoPointBaselineSpansItsPossibleMedians() {
        let interval = GateStatistics.bootstrapMedianDifference(baseline: [1, 2], candidate: [3])
        #expect(interval == GateStatistics.Interval(lower: 1, upper: 2))
    }

    @Test func bootstrapIsDeterministicAndSeeded() {
        let baseline: [Double] = [12.1, 14.3, 11.8, 13.0, 15.2, 12.7, 13.9, 14.8]
        let candidate: [Double] = [13.1, 15.0, 12.9, 14.4, 16.1, 13.3, 14.2, 15.7]
        let first = GateStatistics.bootstrapMedianDifference(baseline: baseline, candidate: candidate)
        let again = GateStatistics.bootstrapMedianDifference(baseline: baseline, candidate: candidate)
        #expect(first == again)
        let other = GateStatistics.bootstrapMedianDifference(baseline: baseline, candidate: candidate, seed: 7)
        #expect(other != first)
        // Whatever the seed, the interval lies within the differences a resample can produce, and holds the
        // observed difference of the medians (13.9 + 14.4) / 2 − (13.0 + 13.9) / 2 = 0.7.
        for interval in [first, other] {
            #expect(interval.lower <= 0.7 && 0.7 <= interval.upper)
            #expect(interval.lower >= 12.9 - 15.2 && interval.upper <= 16.1 - 11.8)
        }
    }

    /// Counting draws per index gives the median a sorted resample would (same generator, same draws).
    @Test func resampledMedianEqualsTheMedianOfTheSortedResample() {
        let sorted: [Double] = [1, 2, 2.5, 4, 7, 7, 9.5, 12]
        for size in [1, 2, 5, 8] {
            let values = Array(sorted.prefix(size))
            var random = SplitMix64(seed: UInt64(size))
            var replay = random
            var counts: [Int] = []
            for _ in 0..<50 {
                let counted = GateStatistics.resampledMedian(values, counts: &counts, random: &random)
                let drawn = (0..<size).map { _ in values[replay.bounded(size)] }
                #expect(counted == GateStatistics.median(drawn))
            }
            #expect(random == replay)
        }
    }

    @Test func exactUTestWithoutTies() {
        // Candidate {4, 5, 6} above baseline {1, 2, 3}: U = 9 of 9, one arrangement of C(6, 3) = 20 per tail.
        let apart = GateStatistics.mannWhitney(baseline: [1, 2, 3], candidate: [4, 5, 6])
        #expect(apart.u == 9 && apart.exact)
        #expect(abs(apart.p - 0.1) < 1e-12)
        // Candidate {1.5, 3.5, 6, 7, 8} against {1, 2, 3, 4}: U = 1 + 3 + 4 + 4 + 4 = 16;
        // 12 of the C(9, 4) = 126 arrangements have U ≥ 16, so p = 24 / 126.
        let mixed = GateStatistics.mannWhitney(baseline: [1, 2, 3, 4], candidate: [1.5, 3.5, 6, 7, 8])
        #expect(mixed.u == 16 && mixed.exact)
        #expect(abs(mixed.p - 24.0 / 126) < 1e-12)
        // 20 against 20, shifted by 4.5: SciPy's exact p is 0.030411256.
        let baseline = (1...20).map(Double.init)
        let shifted = (5...24).map { Double($0) + 0.5 }
        let large = GateStatistics.mannWhitney(baseline: baseline, candidate: shifted)
        #expect(large.u == 280 && large.exact)
        #expect(abs(large.p - 0.030411256038764864) < 1e-9)
    }

    @Test func normalApproximationWithTies() {
        // Pooled 1, 2, 2, 2, 3, 3 ranks 1, 3, 3, 3, 5.5, 5.5; candidate {2, 3, 3} sums 14, so U = 14 − 6 = 8.
        // Ties 3 and 2: Σ(t³ − t) = 24 + 6 = 30; σ² = 9/12 · (7 − 30/30) = 4.5; z = (|8 − 4.5| − ½) / √4.5 = √2;
        // p = erfc(1) = 0.1572992070502851.
        let tied = GateStatistics.mannWhitney(baseline: [1, 2, 2], candidate: [2, 3, 3])
        #expect(tied.u == 8 && !tied.exact)
        #expect(abs(tied.p - 0.1572992070502851) < 1e-12)
        let same = GateStatistics.mannWhitney(baseline: [5, 5, 5], candidate: [5, 5])
        #expect(same.p == 1 && same.u == 3)
    }

    @Test func normalApproximationPastTheExactLimit() {
        // 21 against 21 without ties: U = 441 (all above); z = (220.5 − 0.5) / √(441 · 43 / 12).
        let baseline = (1...21).map(Double.init)
        let candidate = (31...51).map(Double.init)
        let test = GateStatistics.mannWhitney(baseline: baseline, candidate: candidate)
        #expect(test.u == 441 && !test.exact)
        #expect(abs(test.p - 3.1253999984e-8) < 1e-15)
    }

    @Test func fisherExactTestOfThresholdMisses() {
        // All misses on the candidate's side: C(20, k) / C(40, k).
        #expect(abs(GateStatistics.fisherOneSided(
            baselineMisses: 0, baselineCount: 20, candidateMisses: 3, candidateCount: 20) - 1140.0 / 9880) < 1e-12)
        #expect(abs(GateStatistics.fisherOneSided(
            baselineMisses: 0, baselineCount: 20, candidateMisses: 7, candidateCount: 20) - 77520.0 / 18643560) < 1e-12)
        // 5 of 20 against 2 of 20: SciPy's fisher_exact(alternative="greater") gives 0.2037422037.
        #expect(abs(GateStatistics.fisherOneSided(
            baselineMisses: 2, baselineCount: 20, candidateMisses: 5, candidateCount: 20) - 0.20374220374220378) < 1e-12)
        let none = GateStatistics.fisherOneSided(
            baselineMisses: 4, baselineCount: 20, candidateMisses: 0, candidateCount: 20)
        #expect(abs(none - 1) < 1e-9)
    }
}
