import Histogram
import TandemRuntime
import Testing

@testable import TandemReport

/// `percentilesAndMean` must answer exactly what the package's `valueAtPercentile` and `mean` answer: every report
/// number comes from it.
@Suite struct HistogramOnePassTests {
    static let percentiles: [Double] =
        [50, 90, 99, 99.9] + MetricsRecorder.cdfPercentiles + [0.0001, 33.3, 99.99999, 100.5, -1, .nan]

    /// Values spread over many orders of magnitude, with zeros, values below the lowest discernible one, repeats
    /// and the highest trackable value.
    static func values(count: Int, seed: UInt64) -> [UInt64] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            switch random.next() % 8 {
            case 0: return 0
            case 1: return random.next() % 600
            case 2: return 3_600_000_000_000
            case 3: return 20_000_000  // a repeated value
            default: return random.next() % (UInt64(1) << (10 + random.next() % 32))
            }
        }
    }

    @Test(arguments: [0, 1, 2, 3, 7, 100, 5_000])
    func answersAreThePackagesOwn(count: Int) {
        for lowest: UInt64 in [1, 1_000] {
            var wide = Histogram<UInt64>(lowestDiscernibleValue: lowest, highestTrackableValue: 3_600_000_000_000,
                                         numberOfSignificantValueDigits: .three)
            var narrow = Histogram<UInt32>(lowestDiscernibleValue: lowest, highestTrackableValue: 3_600_000_000_000,
                                           numberOfSignificantValueDigits: .three)
            for value in Self.values(count: count, seed: UInt64(count) &* 31 &+ lowest) {
                wide.record(value)
                narrow.record(value)
            }
            let expected = Self.percentiles.map { wide.valueAtPercentile($0) }
            let (values, mean) = wide.percentilesAndMean(Self.percentiles)
            #expect(values == expected, "lowest \(lowest), \(count) values")
            #expect(mean.bitPattern == wide.mean.bitPattern, "lowest \(lowest), \(count) values: \(mean) against \(wide.mean)")
            #expect(wide.percentilesAndMean(Self.percentiles, withMean: false) == (expected, 0))
            #expect(narrow.percentilesAndMean(Self.percentiles).values == Self.percentiles.map { narrow.valueAtPercentile($0) })
            #expect(narrow.percentilesAndMean([]).mean.bitPattern == narrow.mean.bitPattern)
        }
    }

    /// A time bucket keeps its samples and answers what a histogram of them would: the over-time series must not move.
    @Test(arguments: [0, 1, 2, 3, 7, 100, 5_000])
    func bucketSamplesAnswerAsTheirHistogram(count: Int) {
        let shape = Histogram<UInt32>(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000,
                                      numberOfSignificantValueDigits: .three)
        let bucketPercentiles: [Double] = [50, 99, 0.0001, 1, 33.3, 75, 99.9, 99.99999]
        for seed: UInt64 in [1, 2, 3] {
            var histogram = shape
            var bucket = BucketSamples()
            for value in Self.values(count: count, seed: UInt64(count) &* 131 &+ seed) {
                histogram.record(value)
                bucket.values.append(value)
            }
            let expected = count == 0
                ? bucketPercentiles.map { _ in 0 } : bucketPercentiles.map { histogram.valueAtPercentile($0) }
            #expect(bucket.percentiles(bucketPercentiles, shape: shape) == expected, "\(count) values, seed \(seed)")
        }
        // Every value at or above the first slot's range (no `min` of 0), and all values equal.
        for values: [UInt64] in [[700, 5_000, 90_000_000], [20_000_000, 20_000_000], [511], [512]] {
            var histogram = shape
            for value in values { histogram.record(value) }
            let bucket = BucketSamples(values: values.reversed())
            #expect(bucket.percentiles(bucketPercentiles, shape: shape)
                == bucketPercentiles.map { histogram.valueAtPercentile($0) }, "\(values)")
        }
    }
}
