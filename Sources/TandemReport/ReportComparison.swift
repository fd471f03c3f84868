/// What changed between a run's report and a baseline: regressions past a tolerance, and improvements.
///
/// Latency percentiles count only when they move by more than `tolerance` (relative) and by more than
/// `absoluteFloorMs`, so 0.1 ms → 0.2 ms is noise. Correctness findings count from the first new one: any new lost
/// write, divergent view, version order violation or ghost, a run that no longer converges, or a threshold that
/// now fails.
public struct ReportComparison: Sendable, Equatable {
    /// One metric that moved.
    public struct Change: Sendable, Equatable {
        public var metric: String
        public var baseline: String
        public var current: String
        public var detail: String

        public init(metric: String, baseline: String, current: String, detail: String) {
            self.metric = metric
            self.baseline = baseline
            self.current = current
            self.detail = detail
        }
    }

    public var tolerance: Double
    public var absoluteFloorMs: Double
    public var regressions: [Change]
    public var improvements: [Change]

    public var hasRegressions: Bool { !regressions.isEmpty }

    /// The percentiles compared for each latency kind.
    public static let comparedPercentiles: [(name: String, read: @Sendable (LatencySummary) -> Double)] = [
        ("p50", { $0.p50Ms }), ("p90", { $0.p90Ms }), ("p99", { $0.p99Ms }), ("p999", { $0.p999Ms }),
    ]

    /// Compares `current` against `baseline`; `tolerance` is a fraction (0.10 for 10 %).
    public static func compare(
        current: Report,
        baseline: Report,
        tolerance: Double = 0.10,
        absoluteFloorMs: Double = 1
    ) -> ReportComparison {
        precondition(tolerance >= 0 && absoluteFloorMs >= 0, "tolerance and floor must not be negative")
        var comparison = ReportComparison(
            tolerance: tolerance,
            absoluteFloorMs: absoluteFloorMs,
            regressions: [],
            improvements: []
        )
        comparison.compareLatency(current: current, baseline: baseline)
        comparison.compareConvergence(current: current, baseline: baseline)
        comparison.compareFindings(current: current, baseline: baseline)
        comparison.compareThresholds(current: current, baseline: baseline)
        return comparison
    }

    /// Reads a tolerance as written on the command line: `10%` or `0.1`.
    public static func parseTolerance(_ text: String) throws(ReportError) -> Double {
        let trimmed = text.trimmingWhitespace()
        let isPercent = trimmed.hasSuffix("%")
        guard let number = Double(isPercent ? trimmed.dropLast().trimmingWhitespace() : trimmed),
            number.isFinite, number >= 0
        else {
            throw ReportError(code: .badTolerance, message: "bad tolerance '\(text)': expected e.g. 10% or 0.1")
        }
        return isPercent ? number / 100 : number
    }

    /// The whole run's percentiles, then each window's that the baseline also has (`latency.propagation.p99{outside:
    /// faults}`), so a regression confined to steady state or to a fault's window is not averaged away.
    mutating func compareLatency(current: Report, baseline: Report) {
        compareLatency(current.latency, baseline.latency, scope: "")
        for window in current.latency.windows {
            guard let before = baseline.latency.windows.first(where: { $0.scope == window.scope }) else { continue }
            compareLatency(window, before, scope: "{\(window.scope)}")
        }
    }

    mutating func compareLatency(_ current: some LatencyByKind, _ baseline: some LatencyByKind, scope: String) {
        for kind in LatencyKind.allCases {
            let now = current[kind]
            let before = baseline[kind]
            guard now.count > 0, before.count > 0 else { continue }
            for (name, read) in Self.comparedPercentiles {
                compareMilliseconds("latency.\(kind.name).\(name)\(scope)", baseline: read(before), current: read(now))
            }
        }
    }

    mutating func compareConvergence(current: Report, baseline: Report) {
        let (before, now) = (baseline.convergence, current.convergence)
        if before.converged, !now.converged {
            regressions.append(
                Change(
                    metric: "convergence.converged",
                    baseline: "true",
                    current: "false",
                    detail: "the run no longer converges"
                )
            )
        } else if !before.converged, now.converged {
            improvements.append(
                Change(
                    metric: "convergence.converged",
                    baseline: "false",
                    current: "true",
                    detail: "the run converges now"
                )
            )
        }
        guard let a = before.withinMs, let b = now.withinMs else { return }
        compareMilliseconds("convergence.within", baseline: a, current: b)
    }

    /// Counts a duration as a regression or an improvement only when it moves by more than `tolerance` (relative)
    /// and by more than `absoluteFloorMs`.
    mutating func compareMilliseconds(_ metric: String, baseline a: Double, current b: Double) {
        let change = Change(
            metric: metric,
            baseline: ReportText.value(a, unit: .milliseconds),
            current: ReportText.value(b, unit: .milliseconds),
            detail: Self.relativeChange(from: a, to: b)
        )
        if b > a * (1 + tolerance), b - a > absoluteFloorMs {
            regressions.append(change)
        } else if b < a * (1 - tolerance), a - b > absoluteFloorMs {
            improvements.append(change)
        }
    }

    mutating func compareFindings(current: Report, baseline: Report) {
        let findings: [(String, Int, Int, [String])] = [
            (
                "lost_acknowledged_writes", baseline.lostAcknowledgedWrites.count, current.lostAcknowledgedWrites.count,
                Self.added(
                    current.lostAcknowledgedWrites.map(\.changeID),
                    to: baseline.lostAcknowledgedWrites.map(\.changeID)
                )
            ),
            (
                "divergent_clients", baseline.convergence.divergentClients.count,
                current.convergence.divergentClients.count,
                Self.added(
                    current.convergence.divergentClients.map(\.client),
                    to: baseline.convergence.divergentClients.map(\.client)
                )
            ),
            (
                "version_order_violations", baseline.versionOrderViolations.count, current.versionOrderViolations.count,
                Self.added(
                    current.versionOrderViolations.map(\.changeID),
                    to: baseline.versionOrderViolations.map(\.changeID)
                )
            ),
            (
                "presence.ghosts_after_settle", baseline.presence.ghostsAfterSettle.count,
                current.presence.ghostsAfterSettle.count,
                Self.added(
                    current.presence.ghostsAfterSettle.map(\.ghost),
                    to: baseline.presence.ghostsAfterSettle.map(\.ghost)
                )
            ),
        ]
        for (metric, before, now, newNames) in findings where before != now {
            let detail = newNames.isEmpty ? "" : "new: " + newNames.prefix(10).joined(separator: ", ")
            let change = Change(metric: metric, baseline: String(before), current: String(now), detail: detail)
            if now > before { regressions.append(change) } else { improvements.append(change) }
        }
    }

    mutating func compareThresholds(current: Report, baseline: Report) {
        for result in current.thresholds {
            let before = baseline.thresholds.first { $0.metric == result.metric && $0.expected == result.expected }
            let change = Change(
                metric: "threshold \(result.metric) \(result.expected)",
                baseline: before.map { $0.passed ? "pass" : "fail" } ?? "absent",
                current: result.passed ? "pass" : "fail",
                detail: "actual \(ReportText.value(result.actual, unit: result.unit))"
            )
            if !result.passed, before?.passed ?? true {
                regressions.append(change)
            } else if result.passed, before.map({ !$0.passed }) ?? false {
                improvements.append(change)
            }
        }
    }

    static func added(_ current: [String], to baseline: [String]) -> [String] {
        let known = Set(baseline)
        var seen = Set<String>()
        return current.filter { !known.contains($0) && seen.insert($0).inserted }
    }

    static func relativeChange(from a: Double, to b: Double) -> String {
        guard a > 0 else { return b > 0 ? "from zero" : "unchanged" }
        let percent = (b - a) / a * 100
        return (percent >= 0 ? "+" : "") + NumberText.fixed(percent, decimals: 1) + "%"
    }

    /// A plain-text summary for the terminal: one line per change, regressions first.
    public var summary: String {
        var lines: [String] = []
        let percent = NumberText.trimmed(tolerance * 100, decimals: 2)
        lines.append("Compared with tolerance \(percent)% and floor \(NumberText.trimmed(absoluteFloorMs)) ms:")
        if regressions.isEmpty { lines.append("  no regressions") }
        for change in regressions { lines.append("  WORSE  " + Self.line(change)) }
        for change in improvements { lines.append("  BETTER " + Self.line(change)) }
        lines.append(hasRegressions ? "\(regressions.count) regression(s)" : "OK")
        return lines.joined(separator: "\n") + "\n"
    }

    static func line(_ change: Change) -> String {
        let detail = change.detail.isEmpty ? "" : " (\(change.detail))"
        return "\(change.metric): \(change.baseline) → \(change.current)\(detail)"
    }
}
