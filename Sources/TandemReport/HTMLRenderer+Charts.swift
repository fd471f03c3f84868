import Foundation

extension HTMLRenderer {
    /// How many counter names get a bar chart in the per-node load section.
    static let loadChartCountMax = 12

    /// The end of the x axis for time charts: the run's length, or the last thing plotted if that is later.
    static func timeAxisEndMs(_ report: Report) -> Double {
        var end = report.identity.simulatedTimeMs
        for kind in LatencyKind.allCases {
            if let last = report.latency[kind].overTime.last { end = max(end, last.tMs + report.latency.bucketWidthMs) }
        }
        for fault in report.faults { end = max(end, fault.endMs) }
        if let last = report.convergence.timeline.last { end = max(end, last.tMs) }
        return max(end, 1)
    }

    static func timeTicks(endMs: Double) -> [(value: Double, label: String)] {
        SVGChart.niceTicks(upTo: endMs / 1_000, count: 8).map { ($0 * 1_000, NumberText.trimmed($0) + " s") }
    }

    static func valueTicks(upTo maximum: Double) -> (ticks: [(value: Double, label: String)], top: Double) {
        let values = SVGChart.niceTicks(upTo: maximum)
        return (values.map { ($0, NumberText.trimmed($0)) }, values.last ?? 1)
    }

    static func shadeFaults(_ chart: inout SVGChart, _ report: Report) {
        for fault in report.faults {
            chart.band(from: fault.startMs, to: fault.endMs, cssClass: "fault", title: "\(fault.kind): \(fault.label)")
        }
    }

    static func legend(_ items: [(swatch: String, label: String)]) -> String {
        "<p class=\"legend\">"
            + items.map { "<span><i class=\"swatch-\($0.swatch)\"></i>\(ReportText.html($0.label))</span>" }
            .joined() + "</p>"
    }

    static func latencyOverTimeSection(_ report: Report) -> String {
        let endMs = timeAxisEndMs(report)
        let width = report.latency.bucketWidthMs
        var parts = [
            "<section><h2>Latency over time</h2>",
            legend([("p50", "p50"), ("p99", "p99"), ("fault", "fault window")]),
        ]
        for kind in LatencyKind.allCases {
            let buckets = report.latency[kind].overTime
            parts.append("<h3>\(kind.name)</h3>")
            guard !buckets.isEmpty else {
                parts.append("<p>No samples.</p>")
                continue
            }
            let (yTicks, top) = valueTicks(upTo: buckets.map(\.p99Ms).max() ?? 1)
            var chart = SVGChart(xDomain: 0...endMs, yDomain: 0...top)
            chart.axes(xTicks: timeTicks(endMs: endMs), yTicks: yTicks, xTitle: "run time", yTitle: "ms")
            shadeFaults(&chart, report)
            let middle = width / 2
            chart.line(buckets.map { ($0.tMs + middle, $0.p50Ms) }, cssClass: "p50", maxGap: width * 1.5)
            chart.line(buckets.map { ($0.tMs + middle, $0.p99Ms) }, cssClass: "p99", maxGap: width * 1.5)
            parts.append(chart.svg(label: "\(kind.name) latency over time"))
        }
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    /// The percentile axis counts nines: 0 is the median side, 1 is p90, 2 is p99, 3 is p99.9, and so on.
    static func nines(_ percentile: Double) -> Double {
        guard percentile < 100 else { return 5 }
        return min(5, log10(100 / (100 - percentile)))
    }

    static func latencyDistributionSection(_ report: Report) -> String {
        let kinds = LatencyKind.allCases.filter { report.latency[$0].count > 0 }
        var parts = ["<section><h2>Latency distribution</h2>"]
        guard !kinds.isEmpty else { return parts[0] + "<p>No samples.</p></section>" }
        parts.append(
            "<p>Latency at or below which each percentile of samples fell (the percentile axis counts nines).</p>"
        )
        parts.append(legend(kinds.map { ($0.name, $0.name) }))
        let maxMs = kinds.flatMap { report.latency[$0].cdf.filter { $0.percentile < 100 }.map(\.valueMs) }.max() ?? 1
        let (yTicks, top) = valueTicks(upTo: maxMs)
        var chart = SVGChart(xDomain: 0...5, yDomain: 0...top)
        let xTicks = [(0.0, "0%"), (1, "90%"), (2, "99%"), (3, "99.9%"), (4, "99.99%"), (5, "99.999%")]
        chart.axes(xTicks: xTicks, yTicks: yTicks, xTitle: "percentile", yTitle: "ms")
        for kind in kinds {
            let points = report.latency[kind].cdf.filter { $0.percentile < 100 }.map {
                (nines($0.percentile), $0.valueMs)
            }
            chart.line(points, cssClass: "kind-\(kind.name)")
        }
        parts.append(chart.svg(label: "latency distribution"))
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    static func convergenceSection(_ report: Report) -> String {
        let convergence = report.convergence
        let verdict =
            convergence.converged
            ? "Converged \(ReportText.value(convergence.withinMs, unit: .milliseconds)) after settle began."
            : "Did not converge."
        var parts = ["<section><h2>Convergence timeline</h2><p>\(ReportText.html(verdict))</p>"]
        if convergence.timeline.isEmpty {
            parts.append("<p>No timeline was sampled.</p>")
        } else {
            let endMs = timeAxisEndMs(report)
            let (yTicks, top) = valueTicks(upTo: Double(convergence.timeline.map(\.divergentCount).max() ?? 1))
            var chart = SVGChart(height: 200, xDomain: 0...endMs, yDomain: 0...top)
            chart.axes(xTicks: timeTicks(endMs: endMs), yTicks: yTicks, xTitle: "run time", yTitle: "divergent views")
            shadeFaults(&chart, report)
            chart.marker(at: convergence.settleStartedAtMs, cssClass: "settle", label: "settle")
            if let convergedAt = convergence.convergedAtMs {
                chart.marker(at: convergedAt, cssClass: "converged", label: "converged", labelRow: 1)
            }
            // A step line: each count holds until the next sample.
            var points: [(x: Double, y: Double)] = []
            for sample in convergence.timeline {
                if let previous = points.last { points.append((sample.tMs, previous.y)) }
                points.append((sample.tMs, Double(sample.divergentCount)))
            }
            chart.line(points, cssClass: "divergent")
            parts.append(chart.svg(label: "divergent views over time"))
        }
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    static func eventsSection(_ report: Report) -> String {
        let samples = report.load.eventsPerSecond
        guard !samples.isEmpty else { return "<section><h2>Events per second</h2><p>No events.</p></section>" }
        let endMs = timeAxisEndMs(report)
        let (yTicks, top) = valueTicks(upTo: samples.map(\.perSecond).max() ?? 1)
        var chart = SVGChart(height: 200, xDomain: 0...endMs, yDomain: 0...top)
        chart.axes(xTicks: timeTicks(endMs: endMs), yTicks: yTicks, xTitle: "run time", yTitle: "events/s")
        shadeFaults(&chart, report)
        let middle = report.load.bucketWidthMs / 2
        chart.line(samples.map { ($0.tMs + middle, $0.perSecond) }, cssClass: "events")
        return "<section><h2>Events per second</h2>\n\(chart.svg(label: "events per second"))\n</section>"
    }

    /// One horizontal bar chart per counter name (then per gauge maximum), a bar per node and the broker.
    static func loadSection(_ report: Report) -> String {
        let scopes = ReportTables.scopes(report.load)
        var parts = ["<section><h2>Per-node load</h2>"]
        guard let nodes = ReportTables.nodeTable(report.load) else {
            return parts[0] + "<p>No per-node metrics were recorded.</p></section>"
        }
        parts.append(table(nodes.header, nodes.rows))
        let counterNames = Set(scopes.flatMap { $0.load.counters.keys }).sorted()
        let gaugeNames = Set(scopes.flatMap { $0.load.gauges.keys }).sorted()
        let charts: [(String, [(String, Double)])] =
            counterNames.map { name in (name, scopes.map { ($0.name, Double($0.load.counters[name] ?? 0)) }) }
            + gaugeNames.map { name in ("\(name) (max)", scopes.map { ($0.name, $0.load.gauges[name]?.max ?? 0) }) }
        for (title, bars) in charts.prefix(loadChartCountMax) {
            parts.append("<h3>\(ReportText.html(title))</h3>")
            parts.append(barChart(bars, label: title))
        }
        if charts.count > loadChartCountMax { parts.append("<p>… and \(charts.count - loadChartCountMax) more</p>") }
        parts.append("</section>")
        return parts.joined(separator: "\n")
    }

    static func barChart(_ bars: [(name: String, value: Double)], label: String) -> String {
        let rowHeight = 18.0
        let labelWidth = 120.0
        let width = 720.0
        let maximum = max(bars.map(\.value).max() ?? 0, 1)
        var rows: [String] = []
        for (index, bar) in bars.enumerated() {
            let top = Double(index) * rowHeight
            let barWidth = max((width - labelWidth - 80) * bar.value / maximum, bar.value > 0 ? 1 : 0)
            let barClass = bar.name == "broker" ? "bar broker" : "bar"
            rows.append(
                "<text x=\"\(SVGChart.coordinate(labelWidth - 6))\" y=\"\(SVGChart.coordinate(top + 12))\" "
                    + "text-anchor=\"end\">\(ReportText.html(bar.name))</text>"
                    + "<rect class=\"\(barClass)\" x=\"\(SVGChart.coordinate(labelWidth))\" "
                    + "y=\"\(SVGChart.coordinate(top + 3))\" "
                    + "width=\"\(SVGChart.coordinate(barWidth))\" height=\"12\"/>"
                    + "<text x=\"\(SVGChart.coordinate(labelWidth + barWidth + 4))\" "
                    + "y=\"\(SVGChart.coordinate(top + 12))\">"
                    + "\(NumberText.trimmed(bar.value))</text>"
            )
        }
        let height = Double(bars.count) * rowHeight + 4
        return "<svg class=\"chart\" viewBox=\"0 0 \(SVGChart.coordinate(width)) \(SVGChart.coordinate(height))\" "
            + "role=\"img\" aria-label=\"\(ReportText.html(label))\">\n" + rows.joined(separator: "\n") + "\n</svg>"
    }
}
