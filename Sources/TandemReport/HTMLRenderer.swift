/// Renders a report as one self-contained `report.html`: inline CSS and inline SVG, no scripts, fonts or links.
///
/// Charts: latency over time per kind with fault windows shaded, the latency distribution, the convergence
/// timeline, events per second and per-node load bars. Every string from the run goes through
/// `ReportText.html`, and the output depends only on the report.
public enum HTMLRenderer {
    public static func render(_ report: Report) -> String {
        let identity = report.identity
        let title = "Tandem report: \(identity.scenarioName) (seed \(identity.seed))"
        var sections: [String] = []
        sections.append(header(report, title: title))
        sections.append(thresholdsSection(report))
        sections.append(latencyTableSection(report))
        sections.append(latencyOverTimeSection(report))
        sections.append(latencyDistributionSection(report))
        sections.append(convergenceSection(report))
        sections.append(eventsSection(report))
        sections.append(loadSection(report))
        sections.append(findingsSection(report))
        sections.append(faultsSection(report))
        return page(title: title, body: sections.joined(separator: "\n"))
    }

    /// A whole self-contained page: `stylesheet` plus `extraStyle`, then `body`.
    static func page(title: String, extraStyle: String = "", body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(ReportText.html(title))</title>
        <style>
        \(stylesheet)\(extraStyle.isEmpty ? "" : "\n" + extraStyle)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    static func header(_ report: Report, title: String) -> String {
        let status =
            report.passed ? "<span class=\"badge pass\">PASSED</span>" : "<span class=\"badge fail\">FAILED</span>"
        let reasons = report.failureReasons().map { "<li>\(ReportText.html($0))</li>" }.joined()
        return "<header><h1>\(ReportText.html(title))</h1>\(status)"
            + (reasons.isEmpty ? "" : "<ul class=\"reasons\">\(reasons)</ul>") + "</header>\n"
            + "<section><h2>Run</h2>" + table(["Field", "Value"], ReportTables.summaryRows(report)) + "</section>"
    }

    static func thresholdsSection(_ report: Report) -> String {
        guard !report.thresholds.isEmpty else {
            return "<section><h2>Thresholds</h2><p>No thresholds were set.</p></section>"
        }
        let rows = report.thresholds.map { result in
            "<tr class=\"\(result.passed ? "pass" : "fail")\"><td>\(ReportText.html(result.metric))</td>"
                + "<td>\(ReportText.html(result.expected))</td>"
                + "<td>\(ReportText.html(ReportText.value(result.actual, unit: result.unit)))</td>"
                + "<td>\(result.passed ? "pass" : "FAIL")</td></tr>"
        }
        return "<section><h2>Thresholds</h2><table><thead><tr><th>Metric</th><th>Expected</th><th>Actual</th>"
            + "<th>Result</th></tr></thead><tbody>\(rows.joined())</tbody></table></section>"
    }

    static func latencyTableSection(_ report: Report) -> String {
        let windows = ReportTables.windows(report).map { window in
            "<h3>\(ReportText.html(window.title))</h3>" + table(ReportTables.latencyHeader, window.rows)
        }
        return "<section><h2>Latency (ms)</h2>"
            + table(ReportTables.latencyHeader, ReportTables.latencyRows(report.latency)) + "</section>"
            + (windows.isEmpty
                ? "" : "<section><h2>Latency by window (ms, by send time)</h2>\(windows.joined())</section>")
    }

    static func findingsSection(_ report: Report) -> String {
        var parts: [String] = []
        for finding in ReportTables.findings(report) where !finding.rows.isEmpty {
            let shown = Array(finding.rows.prefix(MarkdownRenderer.findingRowCountMax))
            let more = finding.rows.count > shown.count ? "<p>… and \(finding.rows.count - shown.count) more</p>" : ""
            parts.append("<h3>\(ReportText.html(finding.title))</h3>" + table(finding.header, shown) + more)
        }
        let body =
            parts.isEmpty
            ? "<p>No divergence, lost writes, version order violations or ghosts.</p>" : parts.joined()
        return "<section><h2>Findings</h2>\(body)</section>"
    }

    static func faultsSection(_ report: Report) -> String {
        guard !report.faults.isEmpty else {
            return "<section><h2>Faults</h2><p>No faults were injected.</p></section>"
        }
        return "<section><h2>Faults</h2>" + table(ReportTables.faultHeader, ReportTables.faultRows(report))
            + "</section>"
    }

    /// An HTML table; every cell is escaped.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let head = header.map { "<th>\(ReportText.html($0))</th>" }.joined()
        let body = rows.map { row in "<tr>" + row.map { "<td>\(ReportText.html($0))</td>" }.joined() + "</tr>" }
        return "<table><thead><tr>\(head)</tr></thead><tbody>\(body.joined())</tbody></table>"
    }

    static let stylesheet = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 64rem;
          padding: 0 1rem; color: #1d2330; background: #fff; }
        h1 { font-size: 1.5rem; margin-bottom: 0.25rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
        h3 { font-size: 1rem; }
        table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
        th, td { border: 1px solid #d0d5de; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
        th { background: #f2f4f8; } tr.pass td:last-child { color: #17803d; } tr.fail td { background: #fde8e8; }
        .badge { display: inline-block; padding: 0.2rem 0.6rem; border-radius: 0.3rem; font-weight: 600; color: #fff; }
        .badge.pass { background: #17803d; } .badge.fail { background: #c0262d; }
        .reasons { color: #c0262d; }
        svg.chart { width: 100%; max-width: 720px; height: auto; display: block; margin: 0.5rem 0; }
        svg text { font-size: 10px; fill: #4a5263; } .axis-title { font-size: 11px; }
        .axis { stroke: #4a5263; stroke-width: 1; } .grid { stroke: #e4e7ed; stroke-width: 1; }
        polyline { fill: none; stroke-width: 1.5; }
        .p50 { stroke: #2f6fde; fill: #2f6fde; } .p99 { stroke: #d9731a; fill: #d9731a; }
        .kind-propagation { stroke: #2f6fde; fill: #2f6fde; } .kind-ack { stroke: #17803d; fill: #17803d; }
        .kind-presence { stroke: #8a3fd1; fill: #8a3fd1; }
        .divergent { stroke: #c0262d; fill: #c0262d; } .events { stroke: #1d7f8c; fill: #1d7f8c; }
        polyline.p50, polyline.p99, polyline[class^="kind-"], polyline.divergent, polyline.events { fill: none; }
        .fault { fill: #c0262d; fill-opacity: 0.12; }
        .settle { stroke: #4a5263; stroke-dasharray: 4 3; } .converged { stroke: #17803d; stroke-dasharray: 4 3; }
        .marker-label { font-size: 9px; }
        .bar { fill: #2f6fde; } .bar.broker { fill: #d9731a; }
        .legend span { display: inline-block; margin-right: 1rem; font-size: 0.85rem; }
        .legend i { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem;
          vertical-align: -0.1rem; }
        .swatch-p50, .swatch-propagation { background: #2f6fde; } .swatch-p99 { background: #d9731a; }
        .swatch-ack { background: #17803d; } .swatch-presence { background: #8a3fd1; }
        .swatch-fault { background: rgba(192, 38, 45, 0.25); }
        """
}
