import Foundation

/// One scenario run under many seeds, reduced to what the scenario gate compares: each metric's value per seed,
/// the seeds whose checkers failed, and the seeds that missed each threshold. It is the baseline file
/// `Reports/baselines/<scenario>/distribution.json` and what `tandem gate` measures (format in
/// `docs/report-schema.md`, *Seed distributions*).
public struct SeedDistribution: Codable, Sendable, Equatable {
    /// The format this code writes and reads.
    public static let currentFormat = 1

    /// One metric's values, one per seed in `seeds` order; `nil` where that seed has none (an empty window).
    public struct Metric: Codable, Sendable, Equatable {
        public var name: String
        public var values: [Double?]

        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// A seed whose run failed its checkers (or could not run), with the reasons.
    public struct SeedFailure: Codable, Sendable, Equatable {
        public var seed: UInt64
        public var reasons: [String]

        public init(seed: UInt64, reasons: [String]) {
            self.seed = seed
            self.reasons = reasons
        }
    }

    /// A threshold of the scenario and the seeds that missed it (`safety`: an upper bound on a checker's metric,
    /// whose misses are in `failures` too).
    public struct Threshold: Codable, Sendable, Equatable {
        public var threshold: String
        public var safety: Bool
        public var failedSeeds: [UInt64]

        enum CodingKeys: String, CodingKey {
            case threshold, safety
            case failedSeeds = "failed_seeds"
        }

        public init(threshold: String, safety: Bool = false, failedSeeds: [UInt64]) {
            self.threshold = threshold
            self.safety = safety
            self.failedSeeds = failedSeeds
        }
    }

    public var format: Int
    public var scenarioName: String
    public var scenarioFileHash: String
    public var engineVersion: String
    public var seeds: [UInt64]
    /// The trace hash of each seed's run, in `seeds` order (empty text for a seed that could not run).
    public var traceHashes: [String]
    public var metrics: [Metric]
    public var failures: [SeedFailure]
    public var thresholds: [Threshold]

    enum CodingKeys: String, CodingKey {
        case format
        case scenarioName = "scenario_name"
        case scenarioFileHash = "scenario_file_hash"
        case engineVersion = "engine_version"
        case seeds
        case traceHashes = "trace_hashes"
        case metrics, failures, thresholds
    }

    /// One seed's outcome: its report, or why it produced none.
    public enum Run: Sendable {
        case report(Report)
        case failed(seed: UInt64, reason: String)
    }

    /// Gathers the runs of one scenario (in any order; they are sorted by seed). Metrics are listed in the order
    /// the first report that has them lists them (`Report.gateMetrics()`).
    public init(scenarioName: String, scenarioFileHash: String, engineVersion: String, runs: [Run]) {
        let sorted = runs.sorted { Self.seed(of: $0) < Self.seed(of: $1) }
        format = Self.currentFormat
        self.scenarioName = scenarioName
        self.scenarioFileHash = scenarioFileHash
        self.engineVersion = engineVersion
        seeds = sorted.map(Self.seed(of:))
        traceHashes = []
        failures = []
        var names: [String] = []
        var valuesByName: [String: [Double?]] = [:]
        var thresholdNames: [String] = []
        var thresholdFailures: [String: [UInt64]] = [:]
        var safetyThresholds: Set<String> = []
        for (index, run) in sorted.enumerated() {
            switch run {
            case .failed(let seed, let reason):
                traceHashes.append("")
                failures.append(SeedFailure(seed: seed, reasons: [reason]))
            case .report(let report):
                let seed = report.identity.seed
                traceHashes.append(report.identity.traceHash ?? "")
                let checks = report.safetyFailures()
                if !checks.isEmpty { failures.append(SeedFailure(seed: seed, reasons: checks)) }
                for (name, value) in report.gateMetrics() {
                    if valuesByName[name] == nil {
                        names.append(name)
                        valuesByName[name] = Array(repeating: nil, count: sorted.count)
                    }
                    valuesByName[name]![index] = value
                }
                for result in report.thresholds {
                    let name = "\(result.metric) \(result.expected)"
                    if thresholdFailures[name] == nil {
                        thresholdNames.append(name)
                        thresholdFailures[name] = []
                    }
                    if result.isSafetyLimit { safetyThresholds.insert(name) }
                    if !result.passed { thresholdFailures[name]!.append(seed) }
                }
            }
        }
        metrics = names.map { Metric(name: $0, values: valuesByName[$0]!) }
        thresholds = thresholdNames.map {
            Threshold(threshold: $0, safety: safetyThresholds.contains($0), failedSeeds: thresholdFailures[$0]!)
        }
    }

    private static func seed(of run: Run) -> UInt64 {
        switch run {
        case .report(let report): report.identity.seed
        case .failed(let seed, _): seed
        }
    }

    /// The values of `metric` with their seeds, leaving out seeds that have none.
    public func values(of metric: String) -> [(seed: UInt64, value: Double)] {
        guard let found = metrics.first(where: { $0.name == metric }) else { return [] }
        return zip(seeds, found.values).compactMap { seed, value in value.map { (seed, $0) } }
    }

    /// The file's bytes: pretty-printed JSON with sorted keys, each list of numbers on one line, ending in a newline.
    public func jsonData() throws -> Data {
        let pretty = String(decoding: try Report.makeEncoder().encode(self), as: UTF8.self)
        return Data((Self.joiningNumberLists(pretty) + "\n").utf8)
    }

    /// Reads a distribution file; another `format` is an error.
    public static func decode(from data: Data) throws -> SeedDistribution {
        struct FormatProbe: Decodable { let format: Int }
        let decoder = JSONDecoder()
        let format = try decoder.decode(FormatProbe.self, from: data).format
        guard format == currentFormat else {
            throw ReportError(
                code: .unsupportedSchemaVersion,
                message: "distribution has format \(format); this build reads \(currentFormat)"
            )
        }
        let distribution = try decoder.decode(SeedDistribution.self, from: data)
        guard distribution.traceHashes.count == distribution.seeds.count,
            distribution.metrics.allSatisfy({ $0.values.count == distribution.seeds.count })
        else {
            throw ReportError(
                code: .unsupportedSchemaVersion,
                message: "distribution of \(distribution.scenarioName): every list must have one entry per seed "
                    + "(\(distribution.seeds.count))"
            )
        }
        return distribution
    }

    /// Puts every JSON array that holds only numbers, strings without commas, or `null` on one line.
    static func joiningNumberLists(_ text: String) -> String {
        var output: [Substring] = []
        var pending: [Substring] = []
        var opener: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let start = opener {
                let item = line.trimmingWhitespace()
                if item == "]" || item == "]," {
                    let joined = pending.map { $0.hasSuffix(",") ? String($0.dropLast()) : String($0) }
                    output.append(start + joined.joined(separator: ", ") + item)
                    opener = nil
                    pending = []
                } else if item.hasSuffix("[") || item.hasSuffix("{") || item.contains(":") {
                    output.append(start)
                    output.append(contentsOf: pending.map { $0 })
                    output.append(line)
                    opener = nil
                    pending = []
                } else {
                    pending.append(Substring(item))
                }
            } else if line.hasSuffix("[") {
                opener = line
            } else {
                output.append(line)
            }
        }
        if let opener { output.append(opener) }
        return output.joined(separator: "\n")
    }
}

extension ThresholdResult {
    /// An upper bound (`<`, `<=`, `==`) on a safety checker's metric.
    public var isSafetyLimit: Bool {
        Report.safetyMetrics.contains(metric) && (expected.hasPrefix("<") || expected.hasPrefix("=="))
    }

    /// `threshold latency.ack.p99 < 150 ms: actual 163.2 ms`.
    var failureText: String {
        "threshold \(metric) \(expected): actual \(ReportText.value(actual, unit: unit))"
    }
}

extension Report {
    /// The paths of the safety checkers: a scenario that sets a threshold on one of them judges it by that threshold.
    public static let safetyMetrics: Set<String> = [
        "lost_acknowledged_writes", "divergent_clients", "convergence.divergent_clients", "version_order_violations",
        "presence.ghosts_after_settle",
    ]

    /// Why this run fails on safety, one line each: the checkers that failed (`checkFailures()`), then the failing
    /// thresholds that bound a checker's metric from above (`lost_acknowledged_writes: 0`). A lower bound
    /// (`divergent_clients: "> 0"` in a scenario that demonstrates what pub/sub loses) is a demonstration, not a
    /// safety limit: a seed where nothing diverged is safe. Empty when the run is safe.
    public func safetyFailures() -> [String] {
        checkFailures() + thresholds.filter { !$0.passed && $0.isSafetyLimit }.map(\.failureText)
    }

    /// A percentile counts for the gate only when at least this many samples lie beyond it: nearer the top it is
    /// the largest sample, or nearly, and moves with every seed (crash-restart's presence p99 rests on 1.7 of its
    /// 169 samples and ranges over 1.7–9.5 s across seeds).
    public static let gateSamplesBeyondPercentileMin = 5.0

    /// The numbers the scenario gate compares across seeds, in a fixed order: each latency kind's p50, p90, p99 and
    /// p99.9 over the whole run (`latency.ack.p99`), then in each window (`latency.ack.p99{outside: faults}`),
    /// leaving out each percentile with fewer than `gateSamplesBeyondPercentileMin` samples beyond it
    /// (count × (1 − q)); then `convergence.within` when the run converged.
    public func gateMetrics() -> [(name: String, value: Double)] {
        var metrics: [(String, Double)] = []
        let fractions = ["p50": 0.5, "p90": 0.9, "p99": 0.99, "p999": 0.999]
        func add(_ latency: some LatencyByKind, scope: String) {
            for kind in LatencyKind.allCases where latency[kind].count > 0 {
                for (name, read) in ReportComparison.comparedPercentiles
                where Double(latency[kind].count) * (1 - fractions[name]!) >= Self.gateSamplesBeyondPercentileMin {
                    metrics.append(("latency.\(kind.name).\(name)\(scope)", read(latency[kind])))
                }
            }
        }
        add(latency, scope: "")
        for window in latency.windows { add(window, scope: "{\(window.scope)}") }
        if let within = convergence.withinMs { metrics.append(("convergence.within", within)) }
        return metrics
    }
}
