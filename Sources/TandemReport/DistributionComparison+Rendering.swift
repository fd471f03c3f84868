/// The gate's comparison as `gate.md` and `gate.html`: failed seeds and thresholds first, then every metric with
/// its two distributions, the interval of the change of the median, the p-value and the verdict (regressions
/// first). The HTML draws each metric's seeds as a strip plot over a box (quartiles and median), baseline above
/// candidate, on one scale.
extension DistributionComparison {
    /// Metrics in the order a reviewer wants them: regressed, improved, the rest as listed.
    var metricsForReview: [MetricResult] {
        let rank: [Verdict: Int] = [.regressed: 0, .improved: 1, .unchanged: 2, .notCompared: 3]
        return metrics.enumerated().sorted { a, b in
            (rank[a.element.verdict]!, a.offset) < (rank[b.element.verdict]!, b.offset)
        }.map(\.element)
    }

    static let tableHeader = [
        "Metric", "Baseline median (min–max)", "Candidate median (min–max)", "Change of median, 95% interval", "p",
        "Verdict",
    ]

    func tableRow(_ result: MetricResult) -> [String] {
        func cell(_ values: [(seed: UInt64, value: Double)], median: Double) -> String {
            guard let low = values.map(\.value).min(), let high = values.map(\.value).max() else { return "-" }
            return "\(NumberText.trimmed(median)) (\(NumberText.trimmed(low))–\(NumberText.trimmed(high))) ms"
        }
        return [
            result.metric, cell(result.baseline, median: result.baselineMedian),
            cell(result.candidate, median: result.candidateMedian), result.intervalText,
            result.p.map { NumberText.pValue($0) } ?? "-", result.verdict.rawValue,
        ]
    }

    var title: String { "Tandem gate: \(scenarioName) (\(passed ? "PASS" : "FAIL"))" }

    var ruleText: String {
        "\(candidateSeeds.count) candidate seeds (\(Self.seedRange(candidateSeeds))) against \(baselineSeeds.count) "
            + "baseline seeds (\(Self.seedRange(baselineSeeds))). A metric regresses when the whole "
            + "\(NumberText.trimmed(confidence * 100))% bootstrap interval of the change of its median lies above "
            + "\(NumberText.trimmed(tolerance * 100, decimals: 2))% of the baseline median (at least "
            + "\(NumberText.trimmed(floorMs)) ms) and the Mann–Whitney U test gives p < \(NumberText.trimmed(alpha))."
            + (identicalRuns ? " Every trace is identical to the baseline's." : "")
    }

    static func seedRange(_ seeds: [UInt64]) -> String {
        guard let first = seeds.first, let last = seeds.last else { return "none" }
        let contiguous = seeds.count == Int(last - first) + 1
        return contiguous ? "\(first)–\(last)" : seeds.map(String.init).joined(separator: ", ")
    }

    var failureLines: [String] {
        failures.map { "Seed \($0.seed) failed: \($0.reasons.joined(separator: "; ")). Reproduce: `\(reproduce(seed: $0.seed))`" }
            + thresholdFailures.filter(\.significant).map { failure in
                "Threshold \(thresholdLine(failure)). Reproduce: `\(reproduce(seed: failure.seeds[0]))`"
            }
            + regressions.map { result in
                "Regressed: \(result.metric), change of median \(result.intervalText)"
                    + (result.worstSeed.map { ". Worst seed: `\(reproduce(seed: $0))`" } ?? "")
            }
    }

    /// `gate.md`.
    public var markdown: String {
        var lines = ["# \(title)", "", ruleText, ""]
        if !failureLines.isEmpty {
            lines.append("## Failures")
            lines.append("")
            lines.append(contentsOf: failureLines.map { "- \($0)" })
            lines.append("")
        }
        let missed = thresholdFailures.filter { !$0.significant }
        if !missed.isEmpty {
            lines.append("## Thresholds missed by some seeds (not significantly more often than in the baseline)")
            lines.append("")
            lines.append(contentsOf: missed.map { "- \(thresholdLine($0))" })
            lines.append("")
        }
        lines.append("## Metrics")
        lines.append("")
        lines.append("| " + Self.tableHeader.joined(separator: " | ") + " |")
        lines.append("|" + String(repeating: " --- |", count: Self.tableHeader.count))
        for result in metricsForReview {
            lines.append("| " + tableRow(result).map(ReportText.markdownCell).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `gate.html`: self-contained, in the reports' style.
    public var html: String {
        let failures =
            failureLines.isEmpty
            ? "" : "<ul class=\"reasons\">" + failureLines.map { "<li>\(ReportText.html($0))</li>" }.joined() + "</ul>"
        let badge = passed ? "<span class=\"badge pass\">PASS</span>" : "<span class=\"badge fail\">FAIL</span>"
        let rows = metricsForReview.map { result in
            let cells = tableRow(result).map { "<td>\(ReportText.html($0))</td>" }.joined()
            let rowClass = result.verdict == .regressed ? " class=\"fail\"" : ""
            return "<tr\(rowClass)>\(cells)<td>\(Self.stripPlot(result))</td></tr>"
        }
        let head = (Self.tableHeader + ["Seeds (baseline above, candidate below)"])
            .map { "<th>\(ReportText.html($0))</th>" }.joined()
        let style = """
            body { max-width: 90rem; } svg.strip { width: 320px; height: 56px; display: block; }
            .strip .baseline { fill: #2f6fde; stroke: #2f6fde; } .strip .candidate { fill: #d9731a; stroke: #d9731a; }
            .strip .box { fill-opacity: 0.15; stroke-width: 1; } .strip .dot { fill-opacity: 0.7; stroke: none; }
            .strip .median { stroke-width: 2; }
            """
        let body = """
            <header><h1>\(ReportText.html(title))</h1>\(badge)\(failures)</header>
            <section><p>\(ReportText.html(ruleText))</p>
            <div class="legend"><span><i class="swatch-p50"></i>baseline</span><span><i class="swatch-p99"></i>candidate</span></div>
            <table><thead><tr>\(head)</tr></thead><tbody>
            \(rows.joined(separator: "\n"))
            </tbody></table></section>
            """
        return HTMLRenderer.page(title: title, extraStyle: style, body: body)
    }

    /// Both sides' seeds of one metric as dots over a box from the first to the third quartile with the median
    /// marked, on a shared scale labelled at both ends.
    static func stripPlot(_ result: MetricResult) -> String {
        let all = (result.baseline + result.candidate).map(\.value)
        guard let low = all.min(), let high = all.max() else { return "" }
        let (width, left, right) = (320.0, 40.0, 40.0)
        let span = high > low ? high - low : 1
        func position(_ value: Double) -> Double { left + (value - low) / span * (width - left - right) }
        func x(_ value: Double) -> String { SVGChart.coordinate(position(value)) }
        var parts: [String] = []
        for (row, side, values) in [(0.0, "baseline", result.baseline), (1.0, "candidate", result.candidate)] {
            let sorted = values.map(\.value).sorted()
            guard !sorted.isEmpty else { continue }
            let top = 4 + row * 24
            let (q1, median, q3) = (
                GateStatistics.quantile(sorted: sorted, 0.25), GateStatistics.quantile(sorted: sorted, 0.5),
                GateStatistics.quantile(sorted: sorted, 0.75)
            )
            parts.append(
                "<rect class=\"\(side) box\" x=\"\(x(q1))\" y=\"\(SVGChart.coordinate(top))\" width=\""
                    + SVGChart.coordinate(max(position(q3) - position(q1), 1))
                    + "\" height=\"18\"/>")
            parts.append(
                "<line class=\"\(side) median\" x1=\"\(x(median))\" y1=\"\(SVGChart.coordinate(top))\" "
                    + "x2=\"\(x(median))\" y2=\"\(SVGChart.coordinate(top + 18))\"/>")
            for point in values {
                parts.append(
                    "<circle class=\"\(side) dot\" cx=\"\(x(point.value))\" cy=\"\(SVGChart.coordinate(top + 9))\" "
                        + "r=\"2.5\"><title>seed \(point.seed): \(NumberText.trimmed(point.value)) ms</title></circle>")
            }
        }
        parts.append("<text x=\"\(SVGChart.coordinate(left - 3))\" y=\"30\" text-anchor=\"end\">\(NumberText.trimmed(low, decimals: 1))</text>")
        parts.append("<text x=\"\(SVGChart.coordinate(width - right + 3))\" y=\"30\">\(NumberText.trimmed(high, decimals: 1))</text>")
        return "<svg class=\"strip\" viewBox=\"0 0 320 56\" role=\"img\" aria-label=\""
            + "\(ReportText.html(result.metric)): baseline and candidate seeds\">" + parts.joined() + "</svg>"
    }
}
