import Foundation
import TandemRuntime
import TandemScenario
import Testing

struct DistributionTests {
    static let sampleCount = 100_000

    static let continuous: [Distribution] = [
        .fixed(4), .uniform(lower: 1, upper: 3), .exponential(mean: 3), .normal(mean: 10, standardDeviation: 2),
        .lognormal(median: 0.02, p99: 0.08),
    ]

    @Test(arguments: continuous)
    func aSeedDrawsTheSameSamplesEveryTime(_ distribution: Distribution) {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        var other = SplitMix64(seed: 43)
        let a = (0..<1000).map { _ in distribution.sample(using: &first) }
        let b = (0..<1000).map { _ in distribution.sample(using: &second) }
        let c = (0..<1000).map { _ in distribution.sample(using: &other) }
        #expect(a == b)
        if case .fixed = distribution {} else { #expect(a != c) }
    }

    /// Pinned bit patterns: any change to the generator contract, the unit-interval mapping or the math shows
    /// here, and the same values must come out in every process and on every platform.
    @Test func samplesMatchPinnedBitPatterns() {
        var generator = SplitMix64(seed: 42)
        let values = [
            Distribution.uniform(lower: 0, upper: 1).sample(using: &generator),
            Distribution.exponential(mean: 1).sample(using: &generator),
            Distribution.normal(mean: 0, standardDeviation: 1).sample(using: &generator),
            Distribution.lognormal(median: 1, p99: 4).sample(using: &generator),
            Double(ZipfTable(exponent: 1.1, count: 100).sampleRank(using: &generator)),
        ]
        #expect(values.map(\.bitPattern) == Self.pinnedBitPatterns, "\(values.map(\.bitPattern))")
    }

    static let pinnedBitPatterns: [UInt64] = [
        4_604_854_642_168_692_077, 4_610_934_555_292_738_593, 13_831_820_315_493_957_525, 4_604_467_722_790_097_541,
        4_611_686_018_427_387_904,
    ]

    @Test func uniformAndExponentialAndZipfDrawExactlyOneValuePerSample() {
        var generator = CountingGenerator(inner: SplitMix64(seed: 1))
        for _ in 0..<100 { _ = Distribution.uniform(lower: 1, upper: 2).sample(using: &generator) }
        for _ in 0..<100 { _ = Distribution.exponential(mean: 1).sample(using: &generator) }
        for _ in 0..<100 { _ = ZipfTable(exponent: 1, count: 10).sampleRank(using: &generator) }
        for _ in 0..<100 { _ = Distribution.uniform(lower: 1, upper: 12).sampleCount(using: &generator) }
        for _ in 0..<100 { _ = Distribution.fixed(1).sample(using: &generator) }
        #expect(generator.drawCount == 400)
    }

    @Test func exponentialMeanIsWithinOnePercent() {
        let samples = Fixtures.sortedSamples(Self.sampleCount, seed: 7) {
            Distribution.exponential(mean: 3).sample(using: &$0)
        }
        let mean = samples.reduce(0, +) / Double(samples.count)
        #expect(abs(mean - 3) < 0.03, "mean \(mean)")
        #expect(abs(Fixtures.quantile(samples, 0.5) - 3 * 0.693_147) < 0.05)
    }

    @Test func lognormalMedianAndP99MatchTheirParameters() {
        let duration = DurationDistribution.lognormal(median: .milliseconds(20), p99: .milliseconds(80))
        let samples = Fixtures.sortedSamples(Self.sampleCount, seed: 11) {
            duration.sample(using: &$0).secondsForTests
        }
        let median = Fixtures.quantile(samples, 0.5)
        let p99 = Fixtures.quantile(samples, 0.99)
        #expect(abs(median - 0.020) / 0.020 < 0.02, "median \(median)")
        #expect(abs(p99 - 0.080) / 0.080 < 0.04, "p99 \(p99)")
        #expect(samples.first! > 0)
    }

    @Test func normalMeanAndStandardDeviationMatchTheirParameters() {
        let samples = Fixtures.sortedSamples(Self.sampleCount, seed: 13) {
            Distribution.normal(mean: 10, standardDeviation: 2).sample(using: &$0)
        }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count - 1)
        #expect(abs(mean - 10) < 0.03, "mean \(mean)")
        #expect(abs(variance.squareRoot() - 2) < 0.03, "stddev \(variance.squareRoot())")
        #expect(abs(Fixtures.quantile(samples, 0.99) - (10 + 2 * Distribution.normalQuantile99)) < 0.06)
    }

    @Test func uniformStaysInBoundsWithTheRightMean() {
        let samples = Fixtures.sortedSamples(Self.sampleCount, seed: 17) {
            Distribution.uniform(lower: 1, upper: 3).sample(using: &$0)
        }
        #expect(samples.first! >= 1 && samples.last! < 3)
        #expect(abs(samples.reduce(0, +) / Double(samples.count) - 2) < 0.01)
        #expect(abs(Fixtures.quantile(samples, 0.9) - 2.8) < 0.01)
    }

    @Test func zipfRankOneFrequencyMatchesTheory() {
        let table = ZipfTable(exponent: 1.1, count: 3)
        let harmonic = 1 + Foundation.pow(2, -1.1) + Foundation.pow(3, -1.1)
        #expect(abs(table.probability(ofRank: 1) - 1 / harmonic) < 1e-12)
        var generator = SplitMix64(seed: 19)
        var counts = [0, 0, 0]
        for _ in 0..<Self.sampleCount { counts[table.sampleRank(using: &generator) - 1] += 1 }
        let rankOne = Double(counts[0]) / Double(Self.sampleCount)
        #expect(abs(rankOne - 1 / harmonic) < 0.01, "rank 1 frequency \(rankOne)")
        #expect(counts[0] > counts[1] && counts[1] > counts[2])
    }

    @Test func zipfOverManyRanksFollowsItsTable() {
        let table = ZipfTable(exponent: 1.0, count: 1000)
        var generator = SplitMix64(seed: 23)
        var rankOneCount = 0
        var ranks = Set<Int>()
        for _ in 0..<Self.sampleCount {
            let rank = table.sampleRank(using: &generator)
            ranks.insert(rank)
            if rank == 1 { rankOneCount += 1 }
        }
        #expect(ranks.min() == 1 && ranks.max()! <= 1000 && ranks.count > 500)
        #expect(abs(Double(rankOneCount) / Double(Self.sampleCount) - table.probability(ofRank: 1)) < 0.005)
        #expect(table.cumulative.last == 1)
    }

    @Test func uniformCountsCoverEveryIntegerEvenly() {
        var generator = SplitMix64(seed: 29)
        var counts = [Int](repeating: 0, count: 13)
        for _ in 0..<Self.sampleCount {
            counts[Distribution.uniform(lower: 1, upper: 12).sampleCount(using: &generator)] += 1
        }
        #expect(counts[0] == 0)
        for count in counts.dropFirst() {
            #expect(abs(Double(count) / Double(Self.sampleCount) - 1.0 / 12) < 0.005)
        }
    }

    @Test func recordPickerFollowsThePickAndStaysInRange() {
        var generator = SplitMix64(seed: 31)
        let zipf = RecordPicker(RecordSelection(model: "M", count: 3, pick: .zipf(exponent: 1.1)))
        let uniform = RecordPicker(RecordSelection(model: "M", count: 5))
        let fixed = RecordPicker(RecordSelection(model: "M", count: 5, pick: .fixed(4)))
        let zipfRanks = (0..<1000).map { _ in zipf.pickRank(using: &generator) }
        let uniformRanks = (0..<1000).map { _ in uniform.pickRank(using: &generator) }
        #expect(Set(zipfRanks) == [1, 2, 3])
        #expect(Set(uniformRanks) == [1, 2, 3, 4, 5])
        #expect(fixed.pickRank(using: &generator) == 4)
    }

    @Test func durationSamplesAreWholeNanosecondsAndNeverNegative() {
        var generator = SplitMix64(seed: 37)
        let wide = DurationDistribution.normal(mean: .milliseconds(1), standardDeviation: .milliseconds(5))
        let samples = (0..<10_000).map { _ in wide.sample(using: &generator) }
        #expect(samples.allSatisfy { $0 >= .zero })
        #expect(samples.contains(.zero))
        #expect(DurationDistribution.fixed(.microseconds(500)).sample(using: &generator) == .microseconds(500))
    }

    /// A fixed duration's draw is its value in nanoseconds as any other shape's is rounded, takes nothing from the
    /// generator (so the draws after it are those there would have been without it), and follows `seconds` when the
    /// shape is changed.
    @Test func aFixedDrawIsItsValueAndTakesNothingFromTheGenerator() {
        var drawn = SplitMix64(seed: 41)
        var untouched = SplitMix64(seed: 41)
        var fixed = DurationDistribution.fixed(.nanoseconds(1_234_567))
        #expect(fixed.sampleNanos(using: &drawn) == 1_234_567)
        #expect(DurationDistribution(seconds: .fixed(0.000_000_000_6)).sampleNanos(using: &drawn) == 1)
        #expect(DurationDistribution(seconds: .fixed(-1)).sampleNanos(using: &drawn) == 0)
        #expect(drawn.next() == untouched.next())
        fixed.seconds = .uniform(lower: 1, upper: 2)
        #expect((1_000_000_000...2_000_000_000).contains(fixed.sampleNanos(using: &drawn)))
        fixed.seconds = .fixed(0.25)
        #expect(fixed.sampleNanos(using: &drawn) == 250_000_000)
    }

    /// `isZero` is `== .zero`: only a fixed zero (a cost term that is off), not a distribution that may draw zero.
    @Test func isZeroIsEqualityWithTheFixedZero() {
        let distributions: [DurationDistribution] = [
            .zero, .fixed(.zero), .fixed(.nanoseconds(1)), .fixed(.seconds(-0.0)), .uniform(.zero, .zero),
            .exponential(mean: .milliseconds(1)), .lognormal(median: .milliseconds(2), p99: .milliseconds(10)),
            .normal(mean: .zero, standardDeviation: .zero),
        ]
        for distribution in distributions {
            #expect(distribution.isZero == (distribution == .zero), "\(distribution)")
        }
        #expect(DurationDistribution.fixed(.zero).isZero && !DurationDistribution.fixed(.nanoseconds(1)).isZero)
    }
}

extension Duration {
    var secondsForTests: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
