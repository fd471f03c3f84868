import Foundation
import Testing

@testable import TandemReport

@Suite struct ReportCodingTests {
    @Test func jsonRoundTripGivesAnEqualReport() throws {
        var report = ReportFixture.report(
            lostWrites: [LostWrite(changeID: "c-17", record: "Contact/2", field: "notes", detail: "\"hello\" missing")],
            divergent: [
                DivergentClient(client: "editors-3", record: "Contact/1", field: "name", expected: "Ada", actual: "Ad")
            ]
        )
        report.identity.seed = .max
        report.identity.traceHash = nil
        let decoded = try Report.decode(from: try report.jsonData())
        #expect(decoded == report)
        #expect(decoded.identity.seed == UInt64.max)
    }

    @Test func theSameRunEncodesToTheSameBytes() throws {
        let first = ReportFixture.report()
        let second = ReportFixture.report()
        #expect(try first.jsonData() == second.jsonData())
        #expect(MarkdownRenderer.render(first) == MarkdownRenderer.render(second))
        #expect(HTMLRenderer.render(first) == HTMLRenderer.render(second))
    }

    @Test func jsonHasSnakeCaseSortedKeysAndEndsInANewline() throws {
        let text = String(decoding: try ReportFixture.report().jsonData(), as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"conflicts\" : {"))
        #expect(text.hasSuffix("}\n"))
        for key in [
            "\"schema_version\" : 2", "\"windows\"", "\"p99_ms\"", "\"over_time\"", "\"lost_acknowledged_writes\"",
            "\"ghosts_after_settle\"", "\"started_at_unix_ms\"", "\"messages.in\"",
        ] {
            #expect(text.contains(key), "missing \(key)")
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(
            object.keys.sorted() == [
                "conflicts", "convergence", "faults", "identity", "latency", "load", "lost_acknowledged_writes",
                "passed", "presence", "reconnects", "resyncs", "schema_version", "thresholds",
                "version_order_violations", "wall",
            ]
        )
    }

    @Test func normalizingZeroesTheWallFieldsAndNothingElse() throws {
        let original = ReportFixture.report()
        let otherRun = ReportFixture.report(wall: WallClock(timeMs: 999, startedAtUnixMs: 5))
        #expect(original != otherRun)
        #expect(original.normalizedForDeterminism() == otherRun.normalizedForDeterminism())
        #expect(try original.normalizedForDeterminism().jsonData() == otherRun.normalizedForDeterminism().jsonData())

        let normalized = original.normalizedForDeterminism()
        #expect(normalized.wall == WallClock(timeMs: 0, startedAtUnixMs: 0))
        var restored = normalized
        restored.wall = original.wall
        #expect(restored == original)
    }

    @Test func anotherSchemaVersionIsRejected() throws {
        var report = ReportFixture.report()
        report.schemaVersion = 1
        #expect(throws: ReportError.self) { try Report.decode(from: try report.jsonData()) }
    }

    @Test func reportWriterWritesThreeFilesThatReadBack() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-report-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = ReportFixture.report()
        let urls = try ReportWriter.write(report, to: directory.appendingPathComponent("classroom-150/42"))
        #expect(urls.map(\.lastPathComponent) == ["report.json", "report.md", "report.html"])
        #expect(try Report.decode(from: Data(contentsOf: urls[0])) == report)
        #expect(try String(contentsOf: urls[2], encoding: .utf8).contains("<svg"))
    }
}
