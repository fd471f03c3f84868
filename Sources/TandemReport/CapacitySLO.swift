/// The command-line inputs of a capacity search, parsed: SLOs, the quantile across seeds, ranges.
///
/// An SLO is a threshold as a scenario's `expect:` writes it, metric and limit on one line
/// (`latency.propagation.p99 < 100ms`, `latency.ack.p99{outside: faults} <= 0.2s`), read by ``ThresholdSpec``,
/// so the metric names and units are exactly those of scenario thresholds.
public enum CapacityInput {
    /// Parses `metric OP limit`: the metric is everything before the first `<`, `>` or `=` outside braces.
    public static func slo(_ text: String) throws(CapacityInputError) -> ThresholdSpec {
        var depth = 0
        var split: String.Index?
        for index in text.indices {
            let character = text[index]
            if character == "{" { depth += 1 }
            if character == "}" { depth -= 1 }
            if depth == 0 && (character == "<" || character == ">" || character == "=") {
                split = index
                break
            }
        }
        guard let split else {
            throw CapacityInputError(
                "--slo '\(text)': expected a metric, a comparison and a limit, "
                    + "e.g. \"latency.propagation.p99 < 100ms\"")
        }
        let metric = text[..<split].trimmingWhitespace()
        guard !metric.isEmpty else {
            throw CapacityInputError("--slo '\(text)': no metric before '\(text[split])'")
        }
        do {
            return try ThresholdSpec(metric: String(metric), expression: String(text[split...]))
        } catch where error.code == .unknownMetric {
            let hint = Suggestion.closest(to: error.metric, among: MetricCatalog.knownPaths)
                .map { "; did you mean '\($0)'?" }
                ?? "; known metrics: \(MetricCatalog.knownPaths.joined(separator: ", "))"
            throw CapacityInputError("--slo '\(text)': unknown metric '\(error.metric)'\(hint)")
        } catch {
            throw CapacityInputError("--slo '\(text)': \(error.message)")
        }
    }

    /// Parses `A..B` (or a single `A`) of positive integers with A ≤ B; `what` names the option in errors.
    public static func range(_ text: String, _ what: String, max upper: Int) throws(CapacityInputError)
        -> ClosedRange<Int>
    {
        let parts = text.split(separator: "..", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        let numbers = parts.map { Int($0.filter { $0 != "_" && $0 != "," }) }
        guard (1...2).contains(parts.count), let low = numbers.first ?? nil, let high = numbers.last ?? nil else {
            throw CapacityInputError("\(what) '\(text)': expected a range like 100..5000")
        }
        guard low >= 1, high <= upper else {
            throw CapacityInputError("\(what) '\(text)': must lie within 1..\(upper)")
        }
        guard low <= high else {
            throw CapacityInputError("\(what) '\(text)': the range is empty (\(low) > \(high))")
        }
        return low...high
    }
}

/// Bad capacity input: one line for the CLI to print before exiting with code 2.
public struct CapacityInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// How a point's seeds are summed up into one value per metric before the SLO judges it.
///
/// `worst`: the worst seed (the highest value for an upper limit such as `<`, the lowest for a lower limit).
/// `pXX`: the XX-th percentile across seeds (nearest rank) on the bad side: for an upper limit the value XX % of
/// seeds are at or below, for a lower limit the value XX % of seeds are at or above. A seed without a value (a
/// latency with no samples, a failed run) counts as the worst possible value.
public enum SeedQuantile: Sendable, Equatable, CustomStringConvertible {
    case worst
    case percentile(Double)

    public init(parsing text: String) throws(CapacityInputError) {
        if text == "worst" {
            self = .worst
            return
        }
        guard text.hasPrefix("p"), let value = Double(text.dropFirst()), value > 0, value <= 100 else {
            throw CapacityInputError("--quantile '\(text)': expected worst or pXX with 0 < XX ≤ 100, e.g. p90")
        }
        self = value == 100 ? .worst : .percentile(value)
    }

    public var description: String {
        switch self {
        case .worst: "worst"
        case .percentile(let value): "p" + NumberText.trimmed(value)
        }
    }

    /// The summary of `values` (one per seed, nil for none) when high values are bad (`upper`) or low ones are.
    public func aggregate(_ values: [Double?], upper: Bool) -> Double? {
        guard !values.isEmpty else { return nil }
        // Nil is the worst: sort it to the bad end, and return nil when it is chosen.
        let known = values.compactMap { $0 }.sorted(by: upper ? (<) : (>))
        let rank: Int
        switch self {
        case .worst: rank = values.count
        case .percentile(let percent): rank = max(1, Int((percent / 100 * Double(values.count)).rounded(.up)))
        }
        return rank > known.count ? nil : known[rank - 1]
    }
}

extension ThresholdSpec {
    /// Whether high values fail this threshold (`<`, `<=`; also `==`, judged on its worst side).
    public var isUpperLimit: Bool { comparison != .greaterThan && comparison != .greaterThanOrEqual }

    /// The threshold as one line, e.g. `latency.propagation.p99 < 100 ms`.
    public var text: String { "\(metric) \(expectedText)" }

    /// This threshold's value in `report` (nil when the report has none).
    public func value(in report: Report) -> Double? { evaluate(report).actual }
}
