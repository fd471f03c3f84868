import Foundation

extension Report {
    /// Evaluates `expectations` against this report, stores the results in `thresholds` and sets `passed`:
    /// true only if every threshold holds and every checker is clean (`checkFailures()` is empty).
    public mutating func evaluate(_ expectations: [ThresholdSpec]) {
        thresholds = expectations.map { $0.evaluate(self) }
        passed = thresholds.allSatisfy(\.passed) && checkFailures().isEmpty
    }

    /// The checkers that failed, one line each: divergence, lost writes, version order, ghosts.
    ///
    /// A checker is judged by the scenario's own threshold when the scenario sets one on its metric
    /// (`divergent_clients: "> 0"` in a scenario that demonstrates what pub/sub loses); otherwise any
    /// finding fails the run.
    public func checkFailures() -> [String] { failedChecks().map(\.text) }

    /// What kind of failure this run is, without its numbers: the checkers that failed (by metric name) and the
    /// conditions of the failing thresholds. `tandem shrink` keeps a smaller scenario only when its run fails in
    /// exactly these kinds. Empty for a run that passed.
    public func failureKinds() -> [String] {
        failedChecks().map(\.kind) + thresholds.filter { !$0.passed }.map { "\($0.metric) \($0.expected)" }
    }

    private func failedChecks() -> [(kind: String, text: String)] {
        let explicit = Set(thresholds.map(\.metric))
        let convergenceJudged = explicit.contains("divergent_clients") || explicit.contains("convergence.divergent_clients")
            || explicit.contains("convergence.within")
        var failures: [(kind: String, text: String)] = []
        if !convergence.converged && !convergenceJudged { failures.append(("converged", "did not converge")) }
        if !convergence.divergentClients.isEmpty && !convergenceJudged {
            failures.append(("divergent_clients", "\(convergence.divergentClients.count) divergent client view(s)"))
        }
        if !lostAcknowledgedWrites.isEmpty && !explicit.contains("lost_acknowledged_writes") {
            failures.append(("lost_acknowledged_writes", "\(lostAcknowledgedWrites.count) lost acknowledged write(s)"))
        }
        if !versionOrderViolations.isEmpty && !explicit.contains("version_order_violations") {
            failures.append(("version_order_violations", "\(versionOrderViolations.count) version order violation(s)"))
        }
        if !presence.ghostsAfterSettle.isEmpty && !explicit.contains("presence.ghosts_after_settle") {
            failures.append(("presence.ghosts_after_settle",
                             "\(presence.ghostsAfterSettle.count) presence ghost(s) after settle"))
        }
        return failures
    }

    /// Every reason this run failed: checker failures, then failing thresholds in scenario order.
    public func failureReasons() -> [String] {
        checkFailures()
            + thresholds.filter { !$0.passed }.map(\.failureText)
    }

    /// This report with every wall-clock field zeroed, for comparing two runs of the same seed byte for byte.
    public func normalizedForDeterminism() -> Report {
        var copy = self
        copy.wall = WallClock()
        return copy
    }

    /// The report as `report.json`: pretty-printed UTF-8 with sorted keys, ending in a newline.
    public func jsonData() throws -> Data {
        var data = try Self.makeEncoder().encode(self)
        data.append(0x0A)
        return data
    }

    /// Reads a `report.json`; a different `schema_version` is an error, checked before the rest is decoded.
    public static func decode(from data: Data) throws -> Report {
        struct VersionProbe: Decodable {
            let schemaVersion: Int

            enum CodingKeys: String, CodingKey {
                case schemaVersion = "schema_version"
            }
        }
        let decoder = JSONDecoder()
        let version = try decoder.decode(VersionProbe.self, from: data).schemaVersion
        guard version == currentSchemaVersion else {
            throw ReportError(
                code: .unsupportedSchemaVersion,
                message: "report.json has schema_version \(version); this build reads \(currentSchemaVersion)"
            )
        }
        return try decoder.decode(Report.self, from: data)
    }

    /// The encoder that defines the byte layout of `report.json`.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// A failure to read or write a report: a code, a message and the error underneath, if any.
public struct ReportError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unsupportedSchemaVersion = "unsupported_schema_version"
        case writeFailed = "write_failed"
        case badTolerance = "bad_tolerance"
    }

    public let code: Code
    public let message: String
    public let underlying: (any Error)?

    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(message): \($0)" } ?? message
    }
}
