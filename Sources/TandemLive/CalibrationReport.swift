import Foundation
import TandemReport

/// `calibration.{json,md,html}`: the fitted terms, and every metric of each scenario's report simulated (with the
/// profile) against live, with the relative error; the scenario fitted on, and the held-out ones apart.
public struct CalibrationReport: Codable, Sendable, Equatable {
    public struct FittedTerm: Codable, Sendable, Equatable {
        /// `store.latency` or `node.<term>`.
        public var key: String
        public var medianUs: Double
        public var p99Us: Double
        public var basis: String

        enum CodingKeys: String, CodingKey {
            case key, basis
            case medianUs = "median_us"
            case p99Us = "p99_us"
        }
    }

    public struct Metric: Codable, Sendable, Equatable {
        public var path: String
        public var unit: String
        public var live: Double?
        public var simulated: Double?
        /// (simulated − live) / live; nil when either is missing or live is 0.
        public var relativeError: Double?

        enum CodingKeys: String, CodingKey {
            case path, unit, live, simulated
            case relativeError = "relative_error"
        }
    }

    public struct ScenarioResult: Codable, Sendable, Equatable {
        public var scenario: String
        public var seed: UInt64
        /// `fitted` (the run the profile was fitted from) or `held_out`.
        public var role: String
        public var metrics: [Metric]
        /// Why the simulated side has no report (the simulation failed), if so.
        public var error: String?

        /// The metric of `path`, if the comparison has it.
        public func metric(_ path: String) -> Metric? { metrics.first { $0.path == path } }
    }

    public var engineVersion: String
    public var profile: String
    /// The goal, on the held-out scenarios: propagation p50 and p99 within this relative error.
    public var goal: Double
    public var fitted: [FittedTerm]
    public var scenarios: [ScenarioResult]

    enum CodingKeys: String, CodingKey {
        case profile, goal, fitted, scenarios
        case engineVersion = "engine_version"
    }

    /// The metrics the goal judges.
    public static let headline = ["latency.propagation.p50", "latency.propagation.p99"]

    public init(profile: String, fit: CalibrationFit, goal: Double = 0.15) {
        self.engineVersion = EngineVersion.current
        self.profile = profile
        self.goal = goal
        self.fitted = (fit.storeLatency.map { [("store.latency", $0)] } ?? []).map(Self.fitted)
            + fit.nodeTerms.map { Self.fitted(("node.\($0.key)", $0)) }
        self.scenarios = []
    }

    private static func fitted(_ pair: (String, CalibrationFit.Term)) -> FittedTerm {
        FittedTerm(key: pair.0, medianUs: pair.1.median * 1e6, p99Us: pair.1.p99 * 1e6, basis: pair.1.basis)
    }

    /// Adds one scenario: every metric of the catalogue that either report has.
    public mutating func add(live: Report, simulated: Report, role: String) {
        let metrics = MetricCatalog.knownPaths.compactMap { path -> Metric? in
            let liveValue = MetricCatalog.value(of: path, in: live)
            let simValue = MetricCatalog.value(of: path, in: simulated)
            guard liveValue != nil || simValue != nil else { return nil }
            var error: Double?
            if let liveValue, let simValue, liveValue != 0 { error = (simValue - liveValue) / abs(liveValue) }
            return Metric(path: path, unit: MetricCatalog.unit(of: path)?.rawValue ?? "", live: liveValue,
                          simulated: simValue, relativeError: error)
        }
        scenarios.append(ScenarioResult(scenario: live.identity.scenarioName, seed: live.identity.seed, role: role,
                                        metrics: metrics))
    }

    /// A scenario whose simulation failed: recorded with its error, compared on nothing.
    public mutating func add(failed scenario: String, seed: UInt64, role: String, error: String) {
        scenarios.append(ScenarioResult(scenario: scenario, seed: seed, role: role, metrics: [], error: error))
    }

    /// Whether a scenario's headline metrics are within the goal.
    public func meetsGoal(_ result: ScenarioResult) -> Bool {
        Self.headline.allSatisfy { path in
            guard let error = result.metric(path)?.relativeError else { return false }
            return abs(error) <= goal
        }
    }

    /// One line per scenario: its headline errors and the verdict.
    public var summaryLines: [String] {
        scenarios.map { result in
            if let error = result.error {
                return "\(result.scenario) seed \(result.seed) [\(result.role)]: the simulation failed: "
                    + (error.split(separator: "\n").first.map(String.init) ?? error)
            }
            let errors = Self.headline.map { path -> String in
                let metric = result.metric(path)
                let name = path.replacingOccurrences(of: "latency.propagation.", with: "propagation ")
                return "\(name) live \(Self.number(metric?.live)) ms, simulated \(Self.number(metric?.simulated)) ms "
                    + "(\(Self.percent(metric?.relativeError)))"
            }
            let verdict = meetsGoal(result) ? "within" : "NOT within"
            return "\(result.scenario) seed \(result.seed) [\(result.role)]: " + errors.joined(separator: "; ")
                + ": \(verdict) \(Int((goal * 100).rounded())) %"
        }
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public var markdown: String {
        var text = "# Calibration (engine \(engineVersion))\n\nProfile: `\(profile)`. Goal: propagation p50 and p99 "
            + "within \(Int((goal * 100).rounded())) % on the held-out scenarios.\n\n"
        text += summaryLines.map { "- \($0)" }.joined(separator: "\n") + "\n\n## Fitted terms\n\n"
        text += "| term | median | p99 | read from |\n|---|---|---|---|\n"
        for term in fitted {
            text += "| `\(term.key)` | \(Self.number(term.medianUs)) µs | \(Self.number(term.p99Us)) µs | \(term.basis) |\n"
        }
        for result in scenarios {
            text += "\n## \(result.scenario), seed \(result.seed) (\(result.role.replacingOccurrences(of: "_", with: " ")))\n\n"
            text += "| metric | live | simulated | error |\n|---|---|---|---|\n"
            for metric in result.metrics {
                text += "| `\(metric.path)` | \(Self.number(metric.live)) | \(Self.number(metric.simulated)) | "
                    + "\(Self.percent(metric.relativeError)) |\n"
            }
        }
        return text
    }

    public var html: String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        var page = """
            <!doctype html><html><head><meta charset="utf-8"><title>Calibration</title><style>
            body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}
            td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}td:first-child,th:first-child{text-align:left}
            .bad{color:#b00020}.good{color:#1b5e20}</style></head><body>
            <h1>Calibration (engine \(escape(engineVersion)))</h1><p>Profile: <code>\(escape(profile))</code></p><ul>
            """
        for (result, line) in zip(scenarios, summaryLines) {
            page += "<li class=\"\(meetsGoal(result) ? "good" : "bad")\">\(escape(line))</li>"
        }
        page += "</ul><h2>Fitted terms</h2><table><tr><th>term</th><th>median µs</th><th>p99 µs</th><th>read from</th></tr>"
        for term in fitted {
            page += "<tr><td>\(escape(term.key))</td><td>\(Self.number(term.medianUs))</td><td>\(Self.number(term.p99Us))</td>"
                + "<td>\(escape(term.basis))</td></tr>"
        }
        page += "</table>"
        for result in scenarios {
            page += "<h2>\(escape(result.scenario)), seed \(result.seed) (\(escape(result.role)))</h2><table>"
                + "<tr><th>metric</th><th>live</th><th>simulated</th><th>error</th></tr>"
            for metric in result.metrics {
                let bad = Self.headline.contains(metric.path) && abs(metric.relativeError ?? 1) > goal
                page += "<tr\(bad ? " class=\"bad\"" : "")><td>\(escape(metric.path))</td><td>\(Self.number(metric.live))</td>"
                    + "<td>\(Self.number(metric.simulated))</td><td>\(Self.percent(metric.relativeError))</td></tr>"
            }
            page += "</table>"
        }
        return page + "</body></html>\n"
    }

    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        return abs(value) >= 100 || value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%+.1f %%", value * 100)
    }
}
