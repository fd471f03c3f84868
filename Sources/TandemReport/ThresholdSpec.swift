/// One parsed `expect:` entry of a scenario: a known metric, a comparison and a limit in the metric's unit.
///
/// A limit without an operator is a maximum (`convergence.within: 2s` means `<= 2000 ms`). Durations take `ns`,
/// `us` (or `µs`), `ms`, `s` or `m`, and a plain number on a latency metric is milliseconds; counts take plain
/// numbers; percentages take `%` or a plain number.
public struct ThresholdSpec: Sendable, Equatable {
    /// A comparison between a run's value (on the left) and the limit.
    public enum Comparison: String, Sendable, CaseIterable {
        case lessThan = "<"
        case lessThanOrEqual = "<="
        case greaterThan = ">"
        case greaterThanOrEqual = ">="
        case equal = "=="

        public func holds(_ actual: Double, _ limit: Double) -> Bool {
            switch self {
            case .lessThan: actual < limit
            case .lessThanOrEqual: actual <= limit
            case .greaterThan: actual > limit
            case .greaterThanOrEqual: actual >= limit
            case .equal: actual == limit
            }
        }
    }

    /// The metric as reports name it: the path, then the scope in braces if any
    /// (`latency.propagation.p99{outside: faults}`), the scope in its canonical form.
    public let metric: String
    /// The metric path without scope (`latency.propagation.p99`).
    public let path: String
    /// The samples a latency threshold is narrowed to, if it has braces.
    public let scope: LatencyScope?
    public let comparison: Comparison
    /// The limit in `unit`.
    public let limit: Double
    public let unit: MetricUnit

    /// Parses `metric: expression` as written in a scenario, e.g. `("latency.ack.p50", "< 60ms")` or
    /// `("latency.propagation.p99{outside: faults}", "< 150ms")`.
    public init(metric written: String, expression: String) throws(ThresholdError) {
        let (metric, scope) = try LatencyScope.split(written)
        guard let unit = MetricCatalog.unit(of: metric) else {
            throw ThresholdError(
                code: .unknownMetric,
                metric: metric,
                message:
                    "unknown metric '\(metric)'; known metrics: \(MetricCatalog.knownPaths.joined(separator: ", "))"
            )
        }
        if let scope, !MetricCatalog.canScope(metric, with: scope) {
            throw ThresholdError(
                code: .badScope, metric: metric,
                message: "'\(metric)' cannot take the scope {\(scope)}; scopes narrow latency metrics "
                    + "(latency.<kind>.p99 and the like), and time scopes also events.per_second.max and .mean"
            )
        }
        let (comparison, rest) = Self.splitComparison(expression.trimmingWhitespace())
        guard let (number, suffix) = Self.splitNumber(rest), number.isFinite else {
            throw ThresholdError(
                code: .badExpression,
                metric: metric,
                message:
                    "cannot read '\(expression)' for '\(metric)': "
                    + "expected e.g. \"< 150ms\", \"2s\", \"0\" or \">= 95%\""
            )
        }
        guard let limit = Self.convert(number, suffix: suffix, to: unit) else {
            throw ThresholdError(
                code: .unitMismatch,
                metric: metric,
                message: "'\(expression)' does not fit '\(metric)', which is measured in \(unit.rawValue)"
            )
        }
        self.path = metric
        self.scope = scope
        self.metric = scope.map { "\(metric){\($0)}" } ?? metric
        self.comparison = comparison
        self.limit = limit
        self.unit = unit
    }

    /// The limit as shown in reports, e.g. `< 150 ms`.
    public var expectedText: String {
        let number = NumberText.trimmed(limit)
        switch unit {
        case .milliseconds: return "\(comparison.rawValue) \(number) ms"
        case .count: return "\(comparison.rawValue) \(number)"
        case .percent: return "\(comparison.rawValue) \(number)%"
        case .perSecond: return "\(comparison.rawValue) \(number)/s"
        }
    }

    /// Checks this threshold against `report`; a metric without a value fails.
    public func evaluate(_ report: Report) -> ThresholdResult {
        let actual = scope.map { MetricCatalog.value(of: path, scope: $0, in: report) }
            ?? MetricCatalog.value(of: path, in: report)
        return ThresholdResult(
            metric: metric,
            expected: expectedText,
            actual: actual,
            unit: unit,
            passed: actual.map { comparison.holds($0, limit) } ?? false
        )
    }

    static func splitComparison(_ text: Substring) -> (Comparison, Substring) {
        // Two-character operators first, so "<=" is not read as "<".
        for comparison in [Comparison.lessThanOrEqual, .greaterThanOrEqual, .equal, .lessThan, .greaterThan]
        where text.hasPrefix(comparison.rawValue) {
            return (comparison, text.dropFirst(comparison.rawValue.count).trimmingWhitespace())
        }
        if text.hasPrefix("=") { return (.equal, text.dropFirst().trimmingWhitespace()) }
        return (.lessThanOrEqual, text)
    }

    static func splitNumber(_ text: Substring) -> (Double, Substring)? {
        let numberEnd =
            text.firstIndex { !($0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "_") }
            ?? text.endIndex
        let digits = text[..<numberEnd].filter { $0 != "_" }
        guard let number = Double(digits) else { return nil }
        return (number, text[numberEnd...].trimmingWhitespace())
    }

    static func convert(_ number: Double, suffix: Substring, to unit: MetricUnit) -> Double? {
        switch (unit, suffix) {
        case (.milliseconds, ""), (.milliseconds, "ms"): number
        case (.milliseconds, "ns"): number / 1_000_000
        case (.milliseconds, "us"), (.milliseconds, "µs"), (.milliseconds, "μs"): number / 1_000
        case (.milliseconds, "s"): number * 1_000
        case (.milliseconds, "m"), (.milliseconds, "min"): number * 60_000
        case (.count, ""), (.perSecond, ""), (.perSecond, "/s"): number
        case (.percent, ""), (.percent, "%"): number
        default: nil
        }
    }
}

/// The outcome of one threshold, as stored in `report.json`.
public struct ThresholdResult: Codable, Sendable, Equatable {
    public var metric: String
    /// The limit as written in reports, e.g. `< 150 ms`.
    public var expected: String
    /// The run's value in `unit`; absent when the run has none (a run that never converged has no
    /// `convergence.within`), which fails the threshold.
    public var actual: Double?
    public var unit: MetricUnit
    public var passed: Bool

    public init(metric: String, expected: String, actual: Double?, unit: MetricUnit, passed: Bool) {
        self.metric = metric
        self.expected = expected
        self.actual = actual
        self.unit = unit
        self.passed = passed
    }
}

/// A threshold that cannot be understood: a typed error naming the metric, for the scenario loader to place.
public struct ThresholdError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unknownMetric = "unknown_metric"
        case badExpression = "bad_expression"
        case unitMismatch = "unit_mismatch"
        case badScope = "bad_scope"
    }

    public let code: Code
    public let metric: String
    public let message: String

    public var description: String { message }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let text = Substring(self)
        guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return text[text.endIndex...] }
        let last = text.lastIndex { !$0.isWhitespace }!
        return text[first...last]
    }
}
