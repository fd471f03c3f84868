/// The scenario gate's verdict on one scenario: a candidate's seeds against the baseline's seeds.
///
/// For each metric both have, the change of the median across seeds gets a bootstrap confidence interval
/// (`GateStatistics.bootstrapMedianDifference`) and a Mann–Whitney U p-value. A metric **regresses** only when
/// the whole interval lies above the allowance (`tolerance` × the baseline's median, and at least `floorMs`)
/// **and** p < `alpha`; it improves when the whole interval lies below minus the allowance and p < `alpha`.
/// Safety stays absolute: any candidate seed whose checkers fail (lost writes, divergence, version order
/// violations, ghosts, no convergence) or that could not run fails the scenario, and so does a seed missing a
/// threshold that every baseline seed met. Same inputs, same verdict and intervals.
public struct DistributionComparison: Sendable {
    public enum Verdict: String, Sendable {
        case regressed = "REGRESSED"
        case improved = "improved"
        case unchanged = "no significant change"
        case notCompared = "not compared"
    }

    /// One metric's two distributions and the verdict on them.
    public struct MetricResult: Sendable {
        public var metric: String
        public var baseline: [(seed: UInt64, value: Double)]
        public var candidate: [(seed: UInt64, value: Double)]
        public var baselineMedian: Double
        public var candidateMedian: Double
        /// The bootstrap interval of `candidateMedian − baselineMedian` (ms); nil when not compared.
        public var interval: GateStatistics.Interval?
        /// How far the median may move before it counts (ms).
        public var allowance: Double
        public var p: Double?
        public var verdict: Verdict

        /// The candidate seed with the largest value: the one to replay.
        public var worstSeed: UInt64? { candidate.max { $0.value < $1.value }?.seed }

        /// The interval as percentages of the baseline's median (`+4.1% … +12.9%`).
        public var intervalText: String {
            guard let interval else { return "-" }
            return Self.relative(interval.lower, of: baselineMedian) + " … "
                + Self.relative(interval.upper, of: baselineMedian)
        }

        static func relative(_ change: Double, of base: Double) -> String {
            guard base > 0 else { return (change >= 0 ? "+" : "") + NumberText.trimmed(change) + " ms" }
            let percent = change / base * 100
            return (percent >= 0 ? "+" : "") + NumberText.fixed(percent, decimals: 1) + "%"
        }
    }

    /// A threshold some candidate seeds missed: `significant` when they are more, as a share of the seeds, than
    /// the baseline's by Fisher's exact test (one-sided p < `alpha`), which fails the comparison.
    public struct ThresholdFailure: Sendable, Equatable {
        public var threshold: String
        public var seeds: [UInt64]
        public var baselineMisses: Int
        public var p: Double
        public var significant: Bool
    }

    public var scenarioName: String
    /// The scenario file, for the commands that reproduce a seed.
    public var scenarioFile: String
    /// Options of the candidate's runs that a replay needs too (`--ack-before-persist`).
    public var runOptions: [String] = []
    public var tolerance: Double
    public var floorMs: Double
    public var alpha: Double
    public var confidence: Double
    public var baselineSeeds: [UInt64]
    public var candidateSeeds: [UInt64]
    public var metrics: [MetricResult]
    public var failures: [SeedDistribution.SeedFailure]
    public var thresholdFailures: [ThresholdFailure]
    /// Both sides ran the same seeds and every trace hash matches: the same runs.
    public var identicalRuns: Bool

    public var regressions: [MetricResult] { metrics.filter { $0.verdict == .regressed } }
    public var improvements: [MetricResult] { metrics.filter { $0.verdict == .improved } }
    public var passed: Bool {
        failures.isEmpty && regressions.isEmpty && !thresholdFailures.contains(where: \.significant)
    }

    /// The fewest seeds with a value, on each side, for a metric to be compared: 3, and half the side's seeds (a
    /// percentile that only some seeds have enough samples for compares a biased few otherwise).
    public static func minimumSeeds(of seedCount: Int) -> Int { max(3, (seedCount + 1) / 2) }

    public static func compare(
        candidate: SeedDistribution,
        baseline: SeedDistribution,
        scenarioFile: String? = nil,
        tolerance: Double = 0.10,
        floorMs: Double = 1,
        alpha: Double = 0.01,
        confidence: Double = 0.95
    ) -> DistributionComparison {
        precondition(tolerance >= 0 && floorMs >= 0 && alpha > 0 && alpha < 1, "bad gate parameters")
        var metrics: [MetricResult] = []
        for metric in baseline.metrics.map(\.name) where candidate.metrics.contains(where: { $0.name == metric }) {
            metrics.append(
                compareMetric(
                    metric, baseline: baseline.values(of: metric), candidate: candidate.values(of: metric),
                    minimumSeeds: (minimumSeeds(of: baseline.seeds.count), minimumSeeds(of: candidate.seeds.count)),
                    tolerance: tolerance, floorMs: floorMs, alpha: alpha, confidence: confidence))
        }
        let thresholdFailures = candidate.thresholds.compactMap { threshold -> ThresholdFailure? in
            // Safety limits already failed their seeds (`SeedDistribution.failures`).
            guard !threshold.safety, !threshold.failedSeeds.isEmpty,
                let before = baseline.thresholds.first(where: { $0.threshold == threshold.threshold })
            else { return nil }
            let p = GateStatistics.fisherOneSided(
                baselineMisses: before.failedSeeds.count, baselineCount: baseline.seeds.count,
                candidateMisses: threshold.failedSeeds.count, candidateCount: candidate.seeds.count)
            return ThresholdFailure(
                threshold: threshold.threshold, seeds: threshold.failedSeeds,
                baselineMisses: before.failedSeeds.count, p: p, significant: p < alpha)
        }
        return DistributionComparison(
            scenarioName: candidate.scenarioName,
            scenarioFile: scenarioFile ?? "Scenarios/\(candidate.scenarioName).yaml",
            tolerance: tolerance, floorMs: floorMs, alpha: alpha, confidence: confidence,
            baselineSeeds: baseline.seeds, candidateSeeds: candidate.seeds,
            metrics: metrics, failures: candidate.failures, thresholdFailures: thresholdFailures,
            identicalRuns: baseline.seeds == candidate.seeds && baseline.traceHashes == candidate.traceHashes
                && !candidate.traceHashes.contains(""))
    }

    static func compareMetric(
        _ metric: String,
        baseline: [(seed: UInt64, value: Double)],
        candidate: [(seed: UInt64, value: Double)],
        minimumSeeds: (baseline: Int, candidate: Int),
        tolerance: Double, floorMs: Double, alpha: Double, confidence: Double
    ) -> MetricResult {
        let before = baseline.map(\.value)
        let now = candidate.map(\.value)
        var result = MetricResult(
            metric: metric, baseline: baseline, candidate: candidate,
            baselineMedian: before.isEmpty ? 0 : GateStatistics.median(before),
            candidateMedian: now.isEmpty ? 0 : GateStatistics.median(now),
            interval: nil, allowance: 0, p: nil, verdict: .notCompared)
        guard before.count >= minimumSeeds.baseline, now.count >= minimumSeeds.candidate else { return result }
        let interval = GateStatistics.bootstrapMedianDifference(
            baseline: before, candidate: now, confidence: confidence)
        let test = GateStatistics.mannWhitney(baseline: before, candidate: now)
        let allowance = max(tolerance * result.baselineMedian, floorMs)
        result.interval = interval
        result.p = test.p
        result.allowance = allowance
        if interval.lower > allowance, test.p < alpha {
            result.verdict = .regressed
        } else if interval.upper < -allowance, test.p < alpha {
            result.verdict = .improved
        } else {
            result.verdict = .unchanged
        }
        return result
    }

    /// The command that replays one seed.
    public func reproduce(seed: UInt64) -> String {
        (["tandem run \(scenarioFile) --seed \(seed)"] + runOptions).joined(separator: " ")
    }

    /// For the terminal: the verdict, then what failed (seeds, thresholds, regressed metrics, each with the command
    /// that reproduces its worst seed), then improvements.
    public var summary: String {
        var lines: [String] = []
        let verdict = passed ? "PASS" : "FAIL"
        lines.append(
            "\(verdict) \(scenarioName): \(candidateSeeds.count) seeds against \(baselineSeeds.count) baseline seeds "
                + "(tolerance \(NumberText.trimmed(tolerance * 100, decimals: 2))%, floor "
                + "\(NumberText.trimmed(floorMs)) ms, \(NumberText.trimmed(confidence * 100))% interval, "
                + "p < \(NumberText.trimmed(alpha)))"
                + (identicalRuns ? "; every trace identical to the baseline's" : ""))
        for failure in failures {
            lines.append("  SEED \(failure.seed) FAILED: \(failure.reasons.joined(separator: "; "))")
            lines.append("    reproduce: \(reproduce(seed: failure.seed))")
        }
        for failure in thresholdFailures where failure.significant {
            lines.append("  THRESHOLD " + thresholdLine(failure))
            lines.append("    reproduce: \(reproduce(seed: failure.seeds[0]))")
        }
        for result in regressions {
            lines.append("  REGRESSED " + Self.line(result))
            if let seed = result.worstSeed { lines.append("    worst seed: \(reproduce(seed: seed))") }
        }
        for result in improvements { lines.append("  improved  " + Self.line(result)) }
        for failure in thresholdFailures where !failure.significant { lines.append("  missed    " + thresholdLine(failure)) }
        let unchanged = metrics.filter { $0.verdict == .unchanged }.count
        let skipped = metrics.filter { $0.verdict == .notCompared }.count
        lines.append(
            "  \(regressions.count) regressed, \(improvements.count) improved, \(unchanged) without significant change"
                + (skipped > 0 ? ", \(skipped) not compared (too few seeds with a value)" : ""))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `latency.ack.p99 < 150 ms missed by 3 of 20 seeds (1, 6, 12); baseline 0 of 20, p 0.1154`.
    func thresholdLine(_ failure: ThresholdFailure) -> String {
        "\(failure.threshold) missed by \(failure.seeds.count) of \(candidateSeeds.count) seeds ("
            + failure.seeds.map(String.init).joined(separator: ", ") + "); baseline \(failure.baselineMisses) of "
            + "\(baselineSeeds.count), p \(NumberText.pValue(failure.p))"
    }

    static func line(_ result: MetricResult) -> String {
        let p = result.p.map { NumberText.pValue($0) } ?? "-"
        return "\(result.metric): median \(ReportText.value(result.baselineMedian, unit: .milliseconds)) → "
            + "\(ReportText.value(result.candidateMedian, unit: .milliseconds)), change \(result.intervalText), "
            + "p \(p)"
    }
}

extension NumberText {
    /// A p-value for people: four decimals, or `< 0.0001`.
    static func pValue(_ p: Double) -> String { p < 0.0001 ? "< 0.0001" : fixed(p, decimals: 4) }
}
