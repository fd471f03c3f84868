extension ScenarioDecoder {
    /// What the values of a distribution are.
    enum Quantity {
        /// Durations (`2ms`); the distribution holds seconds.
        case duration
        /// Plain numbers.
        case number
    }

    static let distributionKeys = ["fixed", "uniform", "exponential", "normal", "lognormal", "zipf"]

    /// The longest a file's zipf exponent may be; beyond it every pick is rank 1 anyway.
    static let zipfExponentMax = 10.0

    /// A duration distribution; a bare duration means `{fixed: …}`. `zipf` is rejected.
    func decodeDurationDistribution(_ value: YAMLValue) throws -> DurationDistribution {
        DurationDistribution(seconds: try decodeDistribution(value, quantity: .duration, allowed: Self.continuousKeys))
    }

    static let continuousKeys = ["fixed", "uniform", "exponential", "normal", "lognormal"]

    /// A distribution of `quantity`; `minimum` bounds `fixed` values and `uniform`'s lower end.
    func decodeDistribution(_ value: YAMLValue, quantity: Quantity, allowed: [String], minimum: Double = 0)
        throws -> Distribution
    {
        if case .scalar = value.node {
            let fixed = try scalar(value, quantity)
            try check(value, fixed, atLeast: minimum, quantity)
            return .fixed(fixed)
        }
        let entry = try value.mapping(allowing: Self.distributionKeys)
            .exactlyOne(of: Self.distributionKeys, what: "a distribution")
        guard allowed.contains(entry.key) else {
            throw entry.keyError(.invalidValue, "a \(entry.key) distribution is not allowed here; use one of: "
                + allowed.joined(separator: ", "))
        }
        let parameters = entry.value
        switch entry.key {
        case "fixed":
            let fixed = try scalar(parameters, quantity)
            try check(parameters, fixed, atLeast: minimum, quantity)
            return .fixed(fixed)
        case "uniform":
            let bounds = try parameters.list()
            guard bounds.count == 2 else {
                throw parameters.error(.invalidValue, "uniform takes two bounds [A, B], found \(bounds.count)")
            }
            let lower = try scalar(bounds[0], quantity)
            let upper = try scalar(bounds[1], quantity)
            try check(bounds[0], lower, atLeast: minimum, quantity)
            guard lower <= upper else {
                throw parameters.error(.invalidValue, "uniform's lower bound must not exceed its upper bound")
            }
            return .uniform(lower: lower, upper: upper)
        case "exponential":
            let map = try parameters.mapping(allowing: ["mean"])
            let mean = try positive(map.required("mean"), quantity)
            return .exponential(mean: mean)
        case "normal":
            let map = try parameters.mapping(allowing: ["mean", "stddev"])
            let mean = try scalar(map.required("mean"), quantity)
            let deviationValue = try map.required("stddev")
            let deviation = try scalar(deviationValue, quantity)
            guard deviation >= 0 else { throw deviationValue.error(.invalidValue, "stddev must be >= 0") }
            return .normal(mean: mean, standardDeviation: deviation)
        case "lognormal":
            let map = try parameters.mapping(allowing: ["median", "p99"])
            let median = try positive(map.required("median"), quantity)
            let p99Value = try map.required("p99")
            let p99 = try scalar(p99Value, quantity)
            guard p99 > median else {
                throw p99Value.error(.invalidValue, "p99 must be greater than the median")
            }
            return .lognormal(median: median, p99: p99)
        default:
            let map = try parameters.mapping(allowing: ["s"])
            let exponentValue = try map.required("s")
            let exponent = try exponentValue.positiveNumber(allowZero: true)
            guard exponent <= Self.zipfExponentMax else {
                throw exponentValue.error(.invalidValue, "zipf's s must be at most \(Self.zipfExponentMax.plain)")
            }
            return .zipf(exponent: exponent)
        }
    }

    private func scalar(_ value: YAMLValue, _ quantity: Quantity) throws -> Double {
        switch quantity {
        case .duration: try value.duration(allowZero: true).secondsValue
        case .number: try value.number()
        }
    }

    private func positive(_ value: YAMLValue, _ quantity: Quantity) throws -> Double {
        switch quantity {
        case .duration: try value.duration().secondsValue
        case .number: try value.positiveNumber()
        }
    }

    private func check(_ value: YAMLValue, _ number: Double, atLeast minimum: Double, _ quantity: Quantity) throws {
        guard quantity == .number, number < minimum else { return }
        throw value.error(.invalidValue, "expected a value >= \(minimum.plain), found \(number.plain)")
    }
}
