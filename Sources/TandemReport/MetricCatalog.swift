/// The unit of a metric that thresholds can name; values in `expect:` are converted to it.
public enum MetricUnit: String, Codable, Sendable {
    case milliseconds = "ms"
    case count
    case percent
    case perSecond = "per_second"
}

/// The metrics a threshold can name, each with its unit and how to read it from a report.
///
/// Paths mirror the report's structure (`latency.propagation.p99`); a few checker results also have the short
/// names used in scenario files (`divergent_clients`).
public enum MetricCatalog {
    struct Entry: Sendable {
        let path: String
        let unit: MetricUnit
        let read: @Sendable (Report) -> Double?
        /// For a latency statistic: its kind and how to read it from any summary, so it can be scoped.
        var latency: (kind: LatencyKind, read: @Sendable (LatencySummary) -> Double)? = nil
        /// For a rate: how to read it from any run of per-second buckets, so it can be scoped by time.
        var rate: (@Sendable ([RateSample]) -> Double)? = nil
    }

    /// Every path a threshold may name, in a stable order.
    public static var knownPaths: [String] { entries.map(\.path) }

    /// The unit of `path`, or nil when the path is unknown.
    public static func unit(of path: String) -> MetricUnit? { entry(path)?.unit }

    /// The value of `path` in `report`: nil when the path is unknown or the report has no value for it
    /// (`convergence.within` of a run that never converged).
    public static func value(of path: String, in report: Report) -> Double? { entry(path)?.read(report) }

    static func entry(_ path: String) -> Entry? { entries.first { $0.path == path } }

    /// Whether `scope` can narrow `path`: any scope a latency statistic; a time scope a rate
    /// (`events.per_second.max{during: faults}`), whose events belong to no node or group.
    public static func canScope(_ path: String, with scope: LatencyScope) -> Bool {
        guard let entry = entry(path) else { return false }
        return entry.latency != nil || (entry.rate != nil && scope.node == nil && scope.group == nil)
    }

    /// The value of `path` over what `scope` takes: a latency statistic over the samples of the report's window
    /// for the scope; a rate over the per-second buckets that start within that window's spans. Nil when the
    /// report has no such window or it holds nothing (a threshold on an empty window fails rather than passing
    /// on nothing).
    public static func value(of path: String, scope: LatencyScope, in report: Report) -> Double? {
        guard let entry = entry(path), let window = report.latency.window(scope) else { return nil }
        if let latency = entry.latency {
            let summary = window[latency.kind]
            return summary.count > 0 ? latency.read(summary) : nil
        }
        guard let rate = entry.rate else { return nil }
        let spans = SpanSet(window.spans)
        let buckets = report.load.eventsPerSecond.filter { spans.contains(nanos(ms: $0.tMs)) }
        return buckets.isEmpty ? nil : rate(buckets)
    }

    static let entries: [Entry] = latencyEntries + checkEntries + loadEntries

    static let latencyEntries: [Entry] = LatencyKind.allCases.flatMap { kind -> [Entry] in
        let prefix = "latency.\(kind.name)."
        let percentiles: [(String, @Sendable (LatencySummary) -> Double)] = [
            ("p50", { $0.p50Ms }), ("p90", { $0.p90Ms }), ("p99", { $0.p99Ms }),
            ("p999", { $0.p999Ms }), ("max", { $0.maxMs }), ("mean", { $0.meanMs }),
        ]
        let statistics = percentiles.map { ($0, MetricUnit.milliseconds, $1) }
            + [("count", MetricUnit.count, { @Sendable (summary: LatencySummary) in Double(summary.count) })]
        return statistics.map { name, unit, read in
            Entry(path: prefix + name, unit: unit, read: { read($0.latency[kind]) }, latency: (kind, read))
        }
    }

    static let checkEntries: [Entry] = [
        Entry(path: "convergence.within", unit: .milliseconds) { $0.convergence.withinMs },
        Entry(path: "divergent_clients", unit: .count) { Double($0.convergence.divergentClients.count) },
        Entry(path: "convergence.divergent_clients", unit: .count) {
            Double($0.convergence.divergentClients.count)
        },
        Entry(path: "lost_acknowledged_writes", unit: .count) { Double($0.lostAcknowledgedWrites.count) },
        Entry(path: "version_order_violations", unit: .count) { Double($0.versionOrderViolations.count) },
        Entry(path: "presence.ghosts_after_settle", unit: .count) { Double($0.presence.ghostsAfterSettle.count) },
        Entry(path: "conflicts.detected", unit: .count) { Double($0.conflicts.detected) },
        Entry(path: "conflicts.auto_resolved", unit: .count) { Double($0.conflicts.autoResolved) },
        Entry(path: "conflicts.manual", unit: .count) { Double($0.conflicts.manual) },
        Entry(path: "conflicts.auto_resolved_percent", unit: .percent) { report in
            let conflicts = report.conflicts
            guard conflicts.detected > 0 else { return 100 }
            return (Double(conflicts.autoResolved) / Double(conflicts.detected) * 100_000).rounded() / 1_000
        },
    ]

    static let loadEntries: [Entry] = [
        Entry(path: "reconnects", unit: .count) { Double($0.reconnects) },
        Entry(path: "resyncs", unit: .count) { Double($0.resyncs) },
        rateEntry("events.per_second.max") { samples in samples.map(\.perSecond).max() ?? 0 },
        rateEntry("events.per_second.mean") { samples in
            guard !samples.isEmpty else { return 0 }
            return (samples.reduce(0) { $0 + $1.perSecond } / Double(samples.count) * 1_000).rounded() / 1_000
        },
    ]

    static func rateEntry(_ path: String, _ read: @escaping @Sendable ([RateSample]) -> Double) -> Entry {
        Entry(path: path, unit: .perSecond, read: { read($0.load.eventsPerSecond) }, rate: read)
    }

    /// A report time in milliseconds as the nanoseconds `SpanSet` holds.
    static func nanos(ms: Double) -> Int64 { Int64((ms * 1_000_000).rounded()) }
}
