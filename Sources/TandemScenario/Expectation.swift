/// One threshold of `expect`: a metric of the run's report, a comparison and a bound.
///
/// Written `latency.propagation.p99: "< 150ms"`, `latency.ack.p50: "<= 60ms"`, or with a bare value
/// (`lost_acknowledged_writes: 0`, `convergence.within: 2s`), which means "at most" (`<=`). The metric must
/// be one of ``MetricCatalog/metrics``, and the bound's kind (duration or number) must match the metric's.
public struct Expectation: Sendable, Equatable {
    /// The metric's dotted path, as in the report (`latency.propagation.p99`).
    public var metric: String
    public var comparison: Comparison
    public var threshold: Threshold

    public init(metric: String, comparison: Comparison, threshold: Threshold) {
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
    }

    /// Whether an observed value meets the threshold; false when the kinds differ.
    public func isMet(by observed: Threshold) -> Bool {
        switch (observed, threshold) {
        case (.duration(let value), .duration(let bound)): comparison.holds(value, bound)
        case (.number(let value), .number(let bound)): comparison.holds(value, bound)
        default: false
        }
    }
}

/// A comparison operator of a threshold.
public enum Comparison: String, Sendable, Equatable, CaseIterable {
    case lessThan = "<"
    case lessThanOrEqual = "<="
    case greaterThan = ">"
    case greaterThanOrEqual = ">="
    case equal = "=="

    /// Whether `value <op> bound` holds.
    public func holds<T: Comparable>(_ value: T, _ bound: T) -> Bool {
        switch self {
        case .lessThan: value < bound
        case .lessThanOrEqual: value <= bound
        case .greaterThan: value > bound
        case .greaterThanOrEqual: value >= bound
        case .equal: value == bound
        }
    }
}

/// The bound of a threshold, or an observed value to compare with one.
public enum Threshold: Sendable, Equatable {
    case duration(Duration)
    case number(Double)
}

/// The kind of value a metric has, which decides how its threshold is written.
public enum MetricKind: Sendable, Equatable {
    case duration
    case number
}

/// The metrics an `expect` block may name, with their kinds; the report module publishes the same paths.
public enum MetricCatalog {
    /// Every metric, in a fixed order (the order "did you mean" suggestions prefer on ties).
    public static let metrics: [(path: String, kind: MetricKind)] = latencyMetrics + otherMetrics

    /// The kind of `path`, or nil when it is not a known metric.
    public static func kind(of path: String) -> MetricKind? { metrics.first { $0.path == path }?.kind }

    private static let latencyMetrics: [(path: String, kind: MetricKind)] = ["propagation", "ack", "presence"]
        .flatMap { latency in
            ["p50", "p90", "p99", "p99.9", "max", "mean"].map { ("latency.\(latency).\($0)", MetricKind.duration) }
                + [("latency.\(latency).count", MetricKind.number)]
        }

    private static let otherMetrics: [(path: String, kind: MetricKind)] = [
        ("convergence.within", .duration),
        ("lost_acknowledged_writes", .number),
        ("divergent_clients", .number),
        ("presence.ghosts_after_settle", .number),
        ("conflicts.detected", .number),
        ("conflicts.auto_resolved", .number),
        ("conflicts.manual", .number),
        ("events_per_second", .number),
        ("messages.broker", .number),
        ("messages.per_node.max", .number),
        ("queue_depth.max", .number),
        ("reconnects", .number),
        ("resyncs", .number),
        ("checker_failures", .number),
    ]
}
