/// A probability distribution over plain numbers, as scenario files write them.
///
/// `{fixed: X}`, `{uniform: [A, B]}`, `{exponential: {mean: X}}`, `{normal: {mean: X, stddev: Y}}`,
/// `{lognormal: {median: X, p99: Y}}`, `{zipf: {s: 1.1}}`; a bare value means `{fixed: value}`.
/// ``DurationDistribution`` wraps one whose values are seconds. `zipf` is over ranks 1…n and needs n at
/// sample time: use ``ZipfTable`` or ``RecordPicker``.
///
/// Sampling uses only the generator's `next()` and this module's own arithmetic (``PortableMath``), never
/// the standard library's `random(in:)` or the platform's libm, so a seed gives the same values in every
/// process and on every platform.
public enum Distribution: Sendable, Equatable {
    case fixed(Double)
    /// Uniform on [lower, upper].
    case uniform(lower: Double, upper: Double)
    case exponential(mean: Double)
    /// Normal; `standardDeviation` is the file's `stddev`.
    case normal(mean: Double, standardDeviation: Double)
    /// Log-normal given its median and 99th percentile (p99 > median > 0).
    case lognormal(median: Double, p99: Double)
    /// Zipf over ranks 1…n: P(k) ∝ k^-exponent; `exponent` is the file's `s` (0 is uniform).
    case zipf(exponent: Double)

    /// The standard normal's 99th percentile, Φ⁻¹(0.99).
    public static let normalQuantile99 = 2.326_347_874_040_840_8

    /// The name of this shape's key in a file.
    public var key: String {
        switch self {
        case .fixed: "fixed"
        case .uniform: "uniform"
        case .exponential: "exponential"
        case .normal: "normal"
        case .lognormal: "lognormal"
        case .zipf: "zipf"
        }
    }

    /// The distribution's mean (for zipf, not defined without n: nil).
    public var mean: Double? {
        switch self {
        case .fixed(let value): value
        case .uniform(let lower, let upper): (lower + upper) / 2
        case .exponential(let mean): mean
        case .normal(let mean, _): mean
        case .lognormal(let median, let p99):
            PortableMath.exp(PortableMath.log(median) + Self.lognormalSigma(median: median, p99: p99).squared / 2)
        case .zipf: nil
        }
    }

    /// The log-space standard deviation σ of a log-normal with this median and p99.
    static func lognormalSigma(median: Double, p99: Double) -> Double {
        (PortableMath.log(p99) - PortableMath.log(median)) / normalQuantile99
    }
}

/// A probability distribution over durations: a ``Distribution`` whose values are seconds.
///
/// Samples are rounded to whole nanoseconds and clamped at zero (a normal can go negative).
public struct DurationDistribution: Sendable, Equatable {
    /// The distribution of the duration in seconds.
    public var seconds: Distribution {
        didSet {
            logNormal = Self.logNormalParameters(seconds)
            fixedNanos = Self.fixedNanos(seconds)
        }
    }

    /// For a log-normal: ln(median) and σ, the same on every draw, so computed once (three of a draw's four
    /// logarithms; the simulator draws one for every message on a log-normal link).
    private var logNormal: (logMedian: Double, sigma: Double)?
    /// For a fixed value: its nanoseconds, what every draw returns (a draw of it takes nothing from the generator);
    /// the simulator draws the node's fixed costs for every delivery.
    private var fixedNanos: Int64?

    public init(seconds: Distribution) {
        self.seconds = seconds
        self.logNormal = Self.logNormalParameters(seconds)
        self.fixedNanos = Self.fixedNanos(seconds)
    }

    private static func fixedNanos(_ seconds: Distribution) -> Int64? {
        guard case .fixed(let value) = seconds else { return nil }
        return Duration.nanoseconds(secondsValue: value)
    }

    private static func logNormalParameters(_ seconds: Distribution) -> (logMedian: Double, sigma: Double)? {
        guard case .lognormal(let median, let p99) = seconds else { return nil }
        return (PortableMath.log(median), Distribution.lognormalSigma(median: median, p99: p99))
    }

    public static func == (lhs: DurationDistribution, rhs: DurationDistribution) -> Bool { lhs.seconds == rhs.seconds }

    /// Always `duration`.
    public static func fixed(_ duration: Duration) -> DurationDistribution {
        DurationDistribution(seconds: .fixed(duration.secondsValue))
    }

    /// Uniform between two durations.
    public static func uniform(_ lower: Duration, _ upper: Duration) -> DurationDistribution {
        DurationDistribution(seconds: .uniform(lower: lower.secondsValue, upper: upper.secondsValue))
    }

    /// Exponential with this mean.
    public static func exponential(mean: Duration) -> DurationDistribution {
        DurationDistribution(seconds: .exponential(mean: mean.secondsValue))
    }

    /// Normal with this mean and standard deviation.
    public static func normal(mean: Duration, standardDeviation: Duration) -> DurationDistribution {
        DurationDistribution(
            seconds: .normal(mean: mean.secondsValue, standardDeviation: standardDeviation.secondsValue))
    }

    /// Log-normal with this median and 99th percentile.
    public static func lognormal(median: Duration, p99: Duration) -> DurationDistribution {
        DurationDistribution(seconds: .lognormal(median: median.secondsValue, p99: p99.secondsValue))
    }

    /// One sample, rounded to the nanosecond, never negative.
    public func sample(using generator: inout some RandomNumberGenerator) -> Duration {
        .nanoseconds(sampleNanos(using: &generator))
    }

    /// ``sample(using:)`` in nanoseconds: the same draw, without a `Duration`'s 128-bit arithmetic (the simulator
    /// draws one per message and per CPU booking).
    public func sampleNanos(using generator: inout some RandomNumberGenerator) -> Int64 {
        if let fixedNanos { return fixedNanos }
        guard let logNormal else { return Duration.nanoseconds(secondsValue: seconds.sample(using: &generator)) }
        // `Distribution.sample`'s log-normal, with its constants computed once: the same values, so the same bits.
        let sample = Distribution.lognormalSample(logMedian: logNormal.logMedian, sigma: logNormal.sigma, using: &generator)
        return Duration.nanoseconds(secondsValue: sample)
    }

    /// The largest value a sample can take, or nil when unbounded.
    public var upperBound: Duration? {
        switch seconds {
        case .fixed(let value): Duration(secondsValue: value)
        case .uniform(_, let upper): Duration(secondsValue: upper)
        case .exponential, .normal, .lognormal, .zipf: nil
        }
    }
}

extension Duration {
    /// The duration in seconds as a double: one correctly rounded division below about 104 days, so
    /// `2ms` gives exactly the literal `0.002`.
    var secondsValue: Double {
        let (whole, attoseconds) = components
        let nanoseconds = attoseconds / 1_000_000_000
        guard whole.magnitude < 9_000_000_000 else { return Double(whole) + Double(nanoseconds) / 1e9 }
        return Double(whole * 1_000_000_000 + nanoseconds) / 1e9
    }

    /// A duration of `seconds` rounded to the nanosecond; negative and NaN give zero.
    init(secondsValue seconds: Double) {
        self = .nanoseconds(Self.nanoseconds(secondsValue: seconds))
    }

    /// `seconds` in whole nanoseconds, rounded; negative and NaN give zero, and the far end `Int64.max`.
    static func nanoseconds(secondsValue seconds: Double) -> Int64 {
        guard seconds > 0 else { return 0 }
        let nanoseconds = (seconds * 1e9).rounded()
        return nanoseconds >= 9.2e18 ? Int64.max : Int64(nanoseconds)
    }
}

extension Double {
    var squared: Double { self * self }
}
