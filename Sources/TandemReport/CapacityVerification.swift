import Foundation

/// `tandem capacity --verify-live`: the recommended point run live (real `tandem-server` processes, Redis and
/// PostgreSQL as the topology needs) beside what the simulator predicted for it.
public struct CapacityVerification: Codable, Sendable, Equatable {
    public var users: Int
    public var nodes: Int
    /// The live run's seed (its proxies' latency draws and behaviour choices).
    public var seed: UInt64
    /// The live run's report folder.
    public var report: String
    /// The simulated point, as the search judged it (its seeds and quantile).
    public var predicted: CapacityPoint
    /// The live run, judged by the same SLOs (one run: its own values).
    public var measured: CapacityPoint

    enum CodingKeys: String, CodingKey {
        case users, nodes, seed, report, predicted, measured
    }

    public init(users: Int, nodes: Int, seed: UInt64, report: String, predicted: CapacityPoint, measured: CapacityPoint) {
        self.users = users
        self.nodes = nodes
        self.seed = seed
        self.report = report
        self.predicted = predicted
        self.measured = measured
    }

    /// One line: what live measured at the point, against the prediction, and whether every SLO held live.
    public func summary(latencyMetric: String) -> String {
        let label = latencyMetric.hasPrefix("latency.") ? String(latencyMetric.dropFirst(8)) : latencyMetric
        var line = "Live at \(CapacitySearch.nodesText(nodes)) × \(NumberText.grouped(users)) users: \(label) "
            + Self.ms(measured.latencyMs)
        if let predicted = predicted.latencyMs {
            line += " (predicted \(Self.ms(predicted))"
                + (Self.error(predicted: predicted, measured: measured.latencyMs).map { ", \($0) off" } ?? "") + ")"
        }
        line += measured.passed
            ? "; every SLO held live."
            : "; live did not hold: " + (measured.firstFailure ?? "an SLO failed") + "."
        return line
    }

    /// The table: each SLO's value, propagation p50 and p99, throughput, and the verdict; predicted, measured, and
    /// how far the prediction was from the measurement (relative to the measurement).
    public func rows(slos: [String]) -> [[String]] {
        func row(_ name: String, _ predicted: Double?, _ measured: Double?, unit: (Double?) -> String) -> [String] {
            [name, unit(predicted), unit(measured), Self.error(predicted: predicted, measured: measured) ?? "—"]
        }
        var rows: [[String]] = []
        for (index, slo) in slos.enumerated() {
            let forecast = predicted.slos[safe: index], outcome = measured.slos[safe: index]
            let unit = (outcome ?? forecast)?.unit
            rows.append(row("SLO " + slo, forecast?.actual, outcome?.actual) { value in
                guard let value else { return "—" }
                return unit.map { ReportText.value(value, unit: $0) } ?? NumberText.trimmed(value, decimals: 1)
            })
        }
        rows.append(row("propagation p50", predicted.p50Ms, measured.p50Ms, unit: Self.ms))
        rows.append(row("propagation p99", predicted.p99Ms, measured.p99Ms, unit: Self.ms))
        rows.append(row("commits per second", predicted.commitsPerSecond, measured.commitsPerSecond) { value in
            value.map { NumberText.trimmed($0, decimals: 1) } ?? "—"
        })
        rows.append(row("deliveries per second", predicted.deliveriesPerSecond, measured.deliveriesPerSecond) {
            value in value.map { NumberText.trimmed($0, decimals: 1) } ?? "—"
        })
        rows.append(["passes every SLO and check", predicted.passed ? "yes" : "no", measured.passed ? "yes" : "no", ""])
        return rows
    }

    public static let header = ["", "predicted (simulator)", "measured (live)", "prediction off by"]

    static func ms(_ value: Double?) -> String {
        value.map { NumberText.trimmed($0, decimals: 1) + " ms" } ?? "—"
    }

    /// `+12 %` when the prediction is 12 % above the measurement; nil without both or with a zero measurement.
    static func error(predicted: Double?, measured: Double?) -> String? {
        guard let predicted, let measured, measured != 0 else { return nil }
        let relative = (predicted - measured) / abs(measured) * 100
        return (relative >= 0 ? "+" : "−") + NumberText.trimmed(abs(relative), decimals: 0) + " %"
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
