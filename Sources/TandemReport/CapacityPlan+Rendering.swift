import Foundation

extension CapacityPlan {
    /// `capacity.md`: the answer, the settings, then one table per node count.
    public var markdown: String {
        var out = ["# Capacity: \(scenarioName)", "", "**\(answer.first ?? "")**", ""]
        out += settingsLines.map { "- \($0)" } + [""]
        out += ["## Answers", ""] + answer.dropFirst().map { "- \($0)" } + [""]
        if let verification {
            out += ["## Checked live", "", verification.summary(latencyMetric: latencyMetric),
                    "", "Live report: \(verification.report)/report.html (seed \(verification.seed)).", ""]
            out += MarkdownRenderer.table(CapacityVerification.header, verification.rows(slos: slos)) + [""]
        }
        out += ["## Monotonicity", ""]
        out += monotonicityViolations.isEmpty
            ? ["More nodes never held fewer users, and no load passed above one that failed.", ""]
            : monotonicityViolations.map { "- \($0)" } + [""]
        for result in results {
            out += ["## \(CapacitySearch.nodesText(result.nodes))", ""] + analysisLines(result).map { "- \($0)" }
            out += [""] + MarkdownRenderer.table(tableHeader, tableRows(result)) + [""]
        }
        return out.joined(separator: "\n")
    }

    /// `capacity.html`: the same, with the charts.
    public var html: String {
        let title = "Tandem capacity: \(scenarioName)"
        var body = [
            "<header><h1>\(ReportText.html(title))</h1><p class=\"answer\">\(ReportText.html(answer.first ?? ""))</p>"
                + "</header>",
            "<section><h2>Search</h2><ul>" + settingsLines.map { "<li>\(ReportText.html($0))</li>" }.joined()
                + "</ul></section>",
            "<section><h2>Answers</h2><ul>" + answer.dropFirst().map { "<li>\(ReportText.html($0))</li>" }.joined()
                + "</ul></section>",
            verification.map { verification in
                "<section><h2>Checked live</h2><p>\(ReportText.html(verification.summary(latencyMetric: latencyMetric)))"
                    + " Live report: <code>\(ReportText.html(verification.report))/report.html</code> (seed "
                    + "\(verification.seed)).</p>"
                    + HTMLRenderer.table(CapacityVerification.header, verification.rows(slos: slos)) + "</section>"
            } ?? "",
            "<section><h2>Monotonicity</h2>"
                + (monotonicityViolations.isEmpty
                    ? "<p>More nodes never held fewer users, and no load passed above one that failed.</p>"
                    : "<ul class=\"reasons\">" + monotonicityViolations.map { "<li>\(ReportText.html($0))</li>" }
                        .joined() + "</ul>") + "</section>",
            latencyChart,
            throughputChart,
        ]
        for result in results {
            body.append(
                "<section><h2>\(CapacitySearch.nodesText(result.nodes))</h2><ul>"
                    + analysisLines(result).map { "<li>\(ReportText.html($0))</li>" }.joined() + "</ul>"
                    + HTMLRenderer.table(tableHeader, tableRows(result)) + "</section>")
        }
        return HTMLRenderer.page(title: title, extraStyle: Self.style, body: body.joined(separator: "\n"))
    }

    var settingsLines: [String] {
        let seedText = seeds.count == 1 ? "seed \(seeds[0])" : "seeds \(seeds.first!)–\(seeds.last!)"
        let judged = quantile == "worst" ? "the worst seed" : "the \(quantile) across seeds"
        return [
            "Scenario: \(scenarioFile) (\(scenarioFileHash)), engine \(engineVersion)",
            "SLOs: " + slos.joined(separator: "; "),
            "\(seedText) per point, judged on \(judged); a checker failure in any seed fails the point",
            "Users \(NumberText.grouped(usersMin))..\(NumberText.grouped(usersMax)), nodes "
                + nodeCounts.map(String.init).joined(separator: ", ") + ", precision "
                + NumberText.trimmed(precision * 100) + "%",
            "\(pointCount) points, \(runCount) simulations, \(NumberText.fixed(wallTimeMs / 1_000, decimals: 1)) s",
            "Throughput: \(throughputMetric)",
        ]
    }

    func analysisLines(_ result: NodeCountResult) -> [String] {
        var lines: [String] = []
        lines.append(
            "Capacity: " + (result.capacity.map { NumberText.grouped($0) + " users" } ?? "none in range")
                + (result.firstFailing.map { "; fails at " + NumberText.grouped($0) } ?? ""))
        lines.append(
            "Knee (\(latencyMetric)): "
                + (result.knee.map { "\(NumberText.grouped($0.users)) users at \(NumberText.trimmed($0.latencyMs)) ms" }
                    ?? "not found (fewer than 3 points, or the curve has not bent in the measured range)"))
        if let usl = result.usl {
            lines.append(
                "USL: λ = \(Self.significant(usl.lambda)) per user, σ = \(Self.significant(usl.sigma)), "
                    + "κ = \(Self.significant(usl.kappa)), R² = \(NumberText.fixed(usl.rSquared, decimals: 3)) "
                    + "(\(usl.pointCount) points)"
                    + (usl.peakLoad.map { "; throughput peaks at \(NumberText.grouped(Int($0.rounded()))) users" }
                        ?? "; no peak (κ = 0), throughput tends to "
                            + "\(Self.significant(usl.lambda / max(usl.sigma, 1e-300)))/s"))
        } else {
            lines.append("USL: not fitted (fewer than 3 loads)")
        }
        return lines
    }

    var tableHeader: [String] {
        ["users", "p50 ms", "p99 ms"] + (latencyMetric == "latency.propagation.p99" ? [] : [latencyMetric])
            + ["commits/s", "deliveries/s"] + slos + ["result"]
    }

    func tableRows(_ result: NodeCountResult) -> [[String]] {
        result.points.map { point in
            func ms(_ value: Double?) -> String { value.map { NumberText.trimmed($0) } ?? "—" }
            var row = [NumberText.grouped(point.users), ms(point.p50Ms), ms(point.p99Ms)]
            if latencyMetric != "latency.propagation.p99" { row.append(ms(point.latencyMs)) }
            row += [NumberText.trimmed(point.commitsPerSecond, decimals: 1),
                    NumberText.trimmed(point.deliveriesPerSecond, decimals: 1)]
            row += point.slos.map { "\(ReportText.value($0.actual, unit: $0.unit)) \($0.passed ? "pass" : "FAIL")" }
            row.append(point.passed ? "pass" : "FAIL" + (point.failures.first.map { ": " + $0 } ?? ""))
            return row
        }
    }

    /// p99 (the latency metric) against users, a line per node count, the SLO's limit and each knee.
    var latencyChart: String {
        let values = results.flatMap { $0.points.compactMap(\.latencyMs) }
        let highest = values.max() ?? 1
        // Past the SLO latency explodes; the chart shows up to three times the limit.
        let (ticks, top) = HTMLRenderer.valueTicks(
            upTo: latencyLimitMs.map { max($0 * 1.2, min(highest, $0 * 3)) } ?? highest)
        var chart = SVGChart(xDomain: 0...usersAxisEnd, yDomain: 0...top)
        chart.axes(xTicks: userTicks, yTicks: ticks, xTitle: "users", yTitle: "\(latencyMetric) (ms)")
        if let limit = latencyLimitMs {
            chart.horizontal(at: limit, cssClass: "slo", label: "SLO \(NumberText.trimmed(limit)) ms")
        }
        for (index, result) in results.enumerated() {
            let points = result.points.compactMap { point in point.latencyMs.map { (x: Double(point.users), y: $0) } }
            chart.line(points, cssClass: Self.seriesClass(index))
            for point in points { chart.dot(x: point.x, y: point.y, cssClass: Self.seriesClass(index)) }
            if let knee = result.knee {
                chart.dot(x: Double(knee.users), y: knee.latencyMs, cssClass: "knee " + Self.seriesClass(index),
                          radius: 5, title: "knee, \(CapacitySearch.nodesText(result.nodes)): "
                            + "\(NumberText.grouped(knee.users)) users")
            }
        }
        return "<section><h2>Latency against load</h2>"
            + "<p>\(ReportText.html(latencyMetric)) by users, one line per node count (values above the chart are "
            + "drawn at its top); the dashed line is the SLO, rings mark the knees.</p>" + legend
            + chart.svg(label: "\(latencyMetric) against users per node count") + "</section>"
    }

    /// Throughput against users: measured points and the fitted USL curve per node count.
    var throughputChart: String {
        let measured = results.flatMap { $0.points.map(\.commitsPerSecond) }
        let (ticks, top) = HTMLRenderer.valueTicks(upTo: max(measured.max() ?? 1, 1))
        var chart = SVGChart(xDomain: 0...usersAxisEnd, yDomain: 0...top)
        chart.axes(xTicks: userTicks, yTicks: ticks, xTitle: "users", yTitle: "commits/s")
        for (index, result) in results.enumerated() {
            if let usl = result.usl {
                let curve = (0...60).map { step -> (x: Double, y: Double) in
                    let users = max(1, usersAxisEnd * Double(step) / 60)
                    return (users, usl.throughput(at: users))
                }
                chart.line(curve, cssClass: "fit " + Self.seriesClass(index))
            }
            for point in result.points {
                chart.dot(x: Double(point.users), y: point.commitsPerSecond, cssClass: Self.seriesClass(index))
            }
        }
        return "<section><h2>Throughput and the Universal Scalability Law</h2>"
            + "<p>Acknowledged changes per second of traffic; dots are measured, lines the USL fitted to them.</p>"
            + legend + chart.svg(label: "throughput against users with the USL fit") + "</section>"
    }

    var legend: String {
        HTMLRenderer.legend(results.indices.map { (Self.seriesClass($0), CapacitySearch.nodesText(results[$0].nodes)) })
    }

    /// The end of the users axis: the largest load measured (the top of `--users` is often far beyond it).
    var usersAxisEnd: Double {
        SVGChart.niceTicks(upTo: Double(results.flatMap { $0.points.map(\.users) }.max() ?? usersMax), count: 8).last
            ?? Double(usersMax)
    }

    var userTicks: [(value: Double, label: String)] {
        SVGChart.niceTicks(upTo: usersAxisEnd, count: 8).map { ($0, NumberText.grouped(Int($0))) }
    }

    static func seriesClass(_ index: Int) -> String { "series-\(index % palette.count)" }

    static let palette = ["#2f6fde", "#d9731a", "#17803d", "#8a3fd1", "#c0262d", "#1d7f8c", "#8c6d1d", "#4a5263"]

    static var style: String {
        palette.enumerated().map { index, color in
            ".series-\(index) { stroke: \(color); fill: \(color); } polyline.series-\(index) { fill: none; } "
                + ".swatch-series-\(index) { background: \(color); }"
        }.joined(separator: "\n")
            + "\n.slo { stroke: #c0262d; stroke-dasharray: 6 3; } .knee { fill: none; stroke-width: 2; }"
            + "\n.fit { stroke-dasharray: 4 2; } .answer { font-size: 1.1rem; font-weight: 600; }"
    }

    /// Three significant digits, plain or in e-notation for small values: `0.0312`, `2.4e-6`.
    static func significant(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return NumberText.trimmed(value) }
        let exponent = Int(Foundation.floor(Foundation.log10(abs(value))))
        if exponent >= -3 { return NumberText.trimmed(value, decimals: max(0, 2 - exponent)) }
        let mantissa = value / Foundation.pow(10, Double(exponent))
        return NumberText.trimmed(mantissa, decimals: 2) + "e\(exponent)"
    }
}
