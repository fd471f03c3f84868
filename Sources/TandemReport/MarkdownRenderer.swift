/// Renders a report as `report.md`: a summary table, the thresholds with pass/fail, latency, checker findings,
/// a per-node table and the faults.
///
/// The output depends only on the report, so the same report always renders to the same text. Every string from
/// the run is escaped for table cells.
public enum MarkdownRenderer {
    /// How many rows of each finding list are shown before "… and N more".
    public static let findingRowCountMax = 50

    public static func render(_ report: Report) -> String {
        var out: [String] = []
        out.append("# Tandem report: \(ReportText.markdownCell(report.identity.scenarioName))")
        out.append("")
        out.append("**\(report.passed ? "PASSED" : "FAILED")**")
        for reason in report.failureReasons() { out.append("- \(ReportText.markdownCell(reason))") }
        out.append(contentsOf: ["", "## Summary", ""])
        out.append(contentsOf: table(ReportTables.summaryHeader, ReportTables.summaryRows(report)))
        out.append(contentsOf: ["", "## Thresholds", ""])
        if report.thresholds.isEmpty {
            out.append("No thresholds were set.")
        } else {
            out.append(contentsOf: table(ReportTables.thresholdHeader, ReportTables.thresholdRows(report)))
        }
        out.append(contentsOf: ["", "## Latency (ms)", ""])
        out.append(contentsOf: table(ReportTables.latencyHeader, ReportTables.latencyRows(report.latency)))
        out.append("")
        if !report.latency.windows.isEmpty { out.append(contentsOf: ["## Latency by window (ms, by send time)", ""]) }
        for window in ReportTables.windows(report) {
            out.append(contentsOf: ["### \(ReportText.markdownCell(window.title))", ""])
            out.append(contentsOf: table(ReportTables.latencyHeader, window.rows))
            out.append("")
        }
        out.append(contentsOf: findings(report))
        out.append(contentsOf: ["## Nodes", ""])
        if let nodes = ReportTables.nodeTable(report.load) {
            out.append(contentsOf: table(nodes.header, nodes.rows))
        } else {
            out.append("No per-node metrics were recorded.")
        }
        out.append(contentsOf: ["", "## Faults", ""])
        if report.faults.isEmpty {
            out.append("No faults were injected.")
        } else {
            out.append(contentsOf: table(ReportTables.faultHeader, ReportTables.faultRows(report)))
        }
        out.append("")
        return out.joined(separator: "\n")
    }

    static func findings(_ report: Report) -> [String] {
        var out: [String] = []
        for finding in ReportTables.findings(report) where !finding.rows.isEmpty {
            out.append(contentsOf: ["## \(finding.title)", ""])
            out.append(contentsOf: table(finding.header, Array(finding.rows.prefix(findingRowCountMax))))
            if finding.rows.count > findingRowCountMax {
                out.append(contentsOf: ["", "… and \(finding.rows.count - findingRowCountMax) more"])
            }
            out.append("")
        }
        return out
    }

    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        func line(_ cells: [String]) -> String {
            "| " + cells.map(ReportText.markdownCell).joined(separator: " | ") + " |"
        }
        return [line(header), "|" + header.map { _ in " --- |" }.joined()] + rows.map(line)
    }
}
