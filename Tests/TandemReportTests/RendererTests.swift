import Testing

@testable import TandemReport

@Suite struct RendererTests {
    static let hostile = ReportFixture.report(
        scenarioName: "<script>alert('x')</script> & \"friends\" | pipes",
        divergent: [
            DivergentClient(client: "<b>eve</b>", record: "Contact/1", field: "name", expected: "a|b", actual: "<i>")
        ]
    )

    @Test func htmlHoldsChartsAndNoNetworkReference() {
        let html = HTMLRenderer.render(ReportFixture.report())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 6)
        #expect(!html.lowercased().contains("http"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("@import") && !html.contains("url("))
        #expect(html.contains("class=\"fault\""))
        #expect(html.contains("<polyline class=\"p99\""))
        #expect(html.contains("<polyline class=\"kind-propagation\""))
        #expect(html.contains("<polyline class=\"divergent\""))
        #expect(html.contains("class=\"bar broker\""))
    }

    @Test func htmlEscapesEveryStringFromTheRun() {
        let html = HTMLRenderer.render(Self.hostile)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>eve"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;friends&quot;"))
        #expect(html.contains("&lt;b&gt;eve&lt;/b&gt;"))
    }

    @Test func htmlTagsAreBalanced() {
        let html = HTMLRenderer.render(Self.hostile)
        for tag in ["svg", "table", "section", "tr", "td", "th", "text", "title", "h2", "h3", "p", "ul", "li"] {
            let opened =
                html.components(separatedBy: "<\(tag)>").count + html.components(separatedBy: "<\(tag) ").count - 2
            let closed = html.components(separatedBy: "</\(tag)>").count - 1
            #expect(opened == closed, "unbalanced <\(tag)>: \(opened) opened, \(closed) closed")
        }
    }

    @Test func htmlOfAnEmptyRunStillRenders() {
        let report = Report(
            identity: RunIdentity(
                scenarioName: "empty",
                scenarioFileHash: "",
                seed: 1,
                mode: .live,
                engineVersion: "dev"
            )
        )
        let html = HTMLRenderer.render(report)
        #expect(html.contains("No samples."))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func markdownHasTheThresholdsTableWithPassAndFail() throws {
        var report = ReportFixture.report()
        report.evaluate(
            ReportFixture.expectations.map { try! ThresholdSpec(metric: $0.0, expression: $0.1) }
                + [try ThresholdSpec(metric: "latency.propagation.p99", expression: "< 50ms")]
        )
        let markdown = MarkdownRenderer.render(report)
        #expect(
            markdown.contains("## Thresholds\n\n| Metric | Expected | Actual | Result |\n| --- | --- | --- | --- |")
        )
        #expect(markdown.contains("| latency.ack.p50 | < 60 ms | "))
        #expect(markdown.contains("| pass |"))
        #expect(markdown.contains("| FAIL |"))
        #expect(markdown.contains("**FAILED**"))
        #expect(markdown.contains("| node-1 | "))
        #expect(markdown.contains("| broker | "))
    }

    @Test func markdownEscapesPipesAndMarkup() {
        let markdown = MarkdownRenderer.render(Self.hostile)
        #expect(markdown.contains("\\<script>alert"))
        #expect(markdown.contains("a\\|b"))
        #expect(markdown.contains("\\<b>eve\\</b>"))
    }
}
