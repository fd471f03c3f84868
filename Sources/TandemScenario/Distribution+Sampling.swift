extension RandomNumberGenerator {
    /// A uniform double in [0, 1) from the top 53 bits of one `next()`.
    mutating func nextUnitHalfOpen() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform double in (0, 1), never 0 or 1, from the top 53 bits of one `next()` (safe for `log`).
    mutating func nextUnitOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }
}

extension Distribution {
    /// The most candidate pairs the polar method draws before giving up and returning the mean.
    /// Each try succeeds with probability π/4; only a broken generator (one constant value) reaches this.
    static let normalAttemptCountMax = 1_000

    /// One sample. Each call consumes a fixed or (for `normal`, `lognormal`) a small random number of
    /// `next()` values and nothing else.
    ///
    /// - Precondition: not `zipf`, which needs a rank count: use ``ZipfTable``.
    public func sample(using generator: inout some RandomNumberGenerator) -> Double {
        switch self {
        case .fixed(let value):
            return value
        case .uniform(let lower, let upper):
            return lower + (upper - lower) * generator.nextUnitHalfOpen()
        case .exponential(let mean):
            // Inverse CDF: −mean · ln(U) with U in (0, 1).
            return -mean * PortableMath.log(generator.nextUnitOpen())
        case .normal(let mean, let standardDeviation):
            return mean + standardDeviation * Self.standardNormal(using: &generator)
        case .lognormal(let median, let p99):
            return Self.lognormalSample(
                logMedian: PortableMath.log(median), sigma: Self.lognormalSigma(median: median, p99: p99),
                using: &generator)
        case .zipf:
            preconditionFailure("a zipf distribution needs a rank count: sample it with ZipfTable")
        }
    }

    /// One sample as a whole number ≥ 0, for counts such as `chars_per_burst`.
    ///
    /// `uniform` with whole bounds picks each integer in [lower, upper] with equal probability; every
    /// other shape rounds its sample to the nearest integer and clamps at zero.
    public func sampleCount(using generator: inout some RandomNumberGenerator) -> Int {
        if case .uniform(let lower, let upper) = self, lower == lower.rounded(), upper == upper.rounded() {
            let span = upper - lower + 1
            let offset = min((span * generator.nextUnitHalfOpen()).rounded(.down), span - 1)
            return Int(lower + offset)
        }
        let value = sample(using: &generator).rounded()
        guard value > 0 else { return 0 }
        return value >= 9.2e18 ? Int.max : Int(value)
    }

    /// A log-normal sample from ln(median) and σ (``DurationDistribution`` keeps both, computed once).
    static func lognormalSample(logMedian: Double, sigma: Double, using generator: inout some RandomNumberGenerator)
        -> Double
    {
        PortableMath.exp(logMedian + sigma * standardNormal(using: &generator))
    }

    /// A standard normal sample by the Marsaglia polar form of Box–Muller (only `log` and `sqrt`, both
    /// portable; `sqrt` is correctly rounded by IEEE 754). The second value of each pair is discarded so
    /// that sampling stays a pure function of the generator.
    static func standardNormal(using generator: inout some RandomNumberGenerator) -> Double {
        for _ in 0..<normalAttemptCountMax {
            let u = 2 * generator.nextUnitOpen() - 1
            let v = 2 * generator.nextUnitOpen() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * PortableMath.log(s) / s).squareRoot()
            }
        }
        return 0
    }
}
