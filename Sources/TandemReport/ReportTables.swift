/// The rows of the tables that both renderers show, as plain strings; each renderer escapes them its own way.
enum ReportTables {
    /// One list of checker findings with its heading.
    struct Finding {
        let title: String
        let header: [String]
        let rows: [[String]]
    }

    static let summaryHeader = ["Field", "Value"]
    static let thresholdHeader = ["Metric", "Expected", "Actual", "Result"]
    static let latencyHeader = ["Kind", "Count", "p50", "p90", "p99", "p99.9", "Max", "Mean"]
    static let faultHeader = ["Kind", "Label", "Start (ms)", "End (ms)"]

    static func thresholdRows(_ report: Report) -> [[String]] {
        report.thresholds.map { result in
            [
                result.metric, result.expected, ReportText.value(result.actual, unit: result.unit),
                result.passed ? "pass" : "FAIL",
            ]
        }
    }

    static func latencyRows(_ latency: some LatencyByKind) -> [[String]] {
        LatencyKind.allCases.map { kind in
            let s = latency[kind]
            return [kind.name, String(s.count)]
                + [s.p50Ms, s.p90Ms, s.p99Ms, s.p999Ms, s.maxMs, s.meanMs].map(ReportText.ms)
        }
    }

    /// How many spans a window heading lists before "…".
    static let windowSpanCountMax = 6

    /// One heading and one latency table per window of the report.
    static func windows(_ report: Report) -> [(title: String, rows: [[String]])] {
        report.latency.windows.map { window in
            let seconds = { (ms: Double) in NumberText.trimmed(ms / 1_000, decimals: 3) }
            var spans = window.spans.prefix(windowSpanCountMax).map {
                "\(seconds($0.startMs))–\(seconds($0.endMs)) s"
            }
            if window.spans.count > windowSpanCountMax { spans.append("…") }
            let when = spans.isEmpty ? "never open" : "\(seconds(window.lengthMs)) s: " + spans.joined(separator: ", ")
            return ("{\(window.scope)} \(window.label == window.scope ? "" : window.label + " ")(\(when))",
                    latencyRows(window))
        }
    }

    static func faultRows(_ report: Report) -> [[String]] {
        report.faults.map { fault in
            [fault.kind, fault.label, NumberText.trimmed(fault.startMs), NumberText.trimmed(fault.endMs)]
        }
    }

    static func summaryRows(_ report: Report) -> [[String]] {
        let identity = report.identity
        let convergence = report.convergence
        return [
            ["Scenario", identity.scenarioName],
            ["Scenario file hash", identity.scenarioFileHash],
            ["Seed", String(identity.seed)],
            ["Mode", identity.mode.rawValue],
            ["Engine version", identity.engineVersion],
            ["Trace hash", identity.traceHash ?? "—"],
            ["Simulated time", ReportText.value(identity.simulatedTimeMs, unit: .milliseconds)],
            ["Wall time", ReportText.value(report.wall.timeMs, unit: .milliseconds)],
            [
                "Converged",
                convergence.converged
                    ? "yes, within \(ReportText.value(convergence.withinMs, unit: .milliseconds))" : "no",
            ],
            ["Divergent client views", String(convergence.divergentClients.count)],
            ["Lost acknowledged writes", String(report.lostAcknowledgedWrites.count)],
            ["Version order violations", String(report.versionOrderViolations.count)],
            ["Presence ghosts after settle", String(report.presence.ghostsAfterSettle.count)],
            [
                "Conflicts (detected / auto-resolved / manual)",
                "\(report.conflicts.detected) / \(report.conflicts.autoResolved) / \(report.conflicts.manual)",
            ],
            ["Reconnects", String(report.reconnects)],
            ["Resyncs", String(report.resyncs)],
        ]
    }

    static func findings(_ report: Report) -> [Finding] {
        [
            Finding(
                title: "Divergent clients",
                header: ["Client", "Record", "Field", "Expected", "Actual"],
                rows: report.convergence.divergentClients.map {
                    [$0.client, $0.record, $0.field, $0.expected, $0.actual]
                }
            ),
            Finding(
                title: "Lost acknowledged writes",
                header: ["Change", "Record", "Field", "Detail"],
                rows: report.lostAcknowledgedWrites.map { [$0.changeID, $0.record, $0.field, $0.detail] }
            ),
            Finding(
                title: "Version order violations",
                header: ["Change", "Record", "Field", "Detail"],
                rows: report.versionOrderViolations.map { [$0.changeID, $0.record, $0.field, $0.detail] }
            ),
            Finding(
                title: "Presence ghosts after settle",
                header: ["Observer", "Ghost", "Record", "Detail"],
                rows: report.presence.ghostsAfterSettle.map { [$0.observer, $0.ghost, $0.record, $0.detail] }
            ),
        ]
    }

    /// Node scopes in report order, then the broker if it recorded anything.
    static func scopes(_ load: LoadReport) -> [(name: String, load: ScopeLoad)] {
        load.nodes.map { ($0.node, ScopeLoad(counters: $0.counters, gauges: $0.gauges)) }
            + (load.broker == ScopeLoad() ? [] : [("broker", load.broker)])
    }

    /// One row per node (then the broker), one column per counter name, plus each gauge's maximum; nil when no
    /// scope recorded anything.
    static func nodeTable(_ load: LoadReport) -> (header: [String], rows: [[String]])? {
        let scopes = scopes(load)
        guard !scopes.isEmpty else { return nil }
        let counterNames = Set(scopes.flatMap { $0.load.counters.keys }).sorted()
        let gaugeNames = Set(scopes.flatMap { $0.load.gauges.keys }).sorted()
        let header = ["Node"] + counterNames + gaugeNames.map { "\($0) (max)" }
        let rows = scopes.map { name, scope in
            [name] + counterNames.map { scope.counters[$0].map(String.init) ?? "—" }
                + gaugeNames.map { scope.gauges[$0].map { NumberText.trimmed($0.max) } ?? "—" }
        }
        return (header, rows)
    }
}
