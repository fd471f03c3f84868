import Foundation
import TandemCoreTestSupport
import TandemReport
import Testing

/// `tandem capacity --verify-live` end to end: the search in the simulator, then the recommended point run live
/// (`tandem-live run --users U --nodes N`, a real tandem-server) and put beside the prediction in capacity.*.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct CapacityVerifyLiveTests {
    @Test func theRecommendedPointRunsLiveBesideThePrediction() async throws {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("cap.yaml"), out = folder.appendingPathComponent("out")
        try CalibrateCommandTests.scenario("cap-verify", users: 2, records: 1, seed: 2)
            .write(to: file, atomically: true, encoding: .utf8)
        let run = try LiveClusterTests.start(
            ["capacity", file.path, "--slo", "latency.propagation.p99 < 10s", "--users", "2..5", "--seeds", "1",
             "--out", out.path, "--verify-live"],
            environment: ["TMPDIR": folder.path], binary: "tandem")
        try await run.end("the capacity search and its live run", within: .seconds(240))
        #expect(run.process.terminationStatus == 0, "\(run.output())\n\(run.errors().suffix(3_000))")

        let plan = try CapacityPlan.decode(from: Data(contentsOf: out.appendingPathComponent("capacity.json")))
        let verification = try #require(plan.verification, "\(run.output())")
        // A 10 s p99 holds everywhere: the recommendation is the top of --users on the one node.
        #expect(verification.users == 5 && verification.nodes == 1)
        #expect(verification.predicted == plan.results[0].point(users: 5))
        #expect(verification.measured.seeds.map(\.seed) == [plan.seeds[0]], "the live run takes the first seed (--from)")
        let live = try #require(verification.measured.p99Ms)
        #expect(live > 0 && live < 10_000)
        #expect(verification.measured.commitsPerSecond > 0)
        #expect(verification.measured.passed)
        // The live run's own report is where the plan says, for the same scenario at that size.
        let report = try Report.decode(
            from: Data(contentsOf: URL(fileURLWithPath: verification.report).appendingPathComponent("report.json")))
        #expect(report.identity.mode == .live)
        #expect(report.identity.scenarioName == "cap-verify")
        let markdown = try String(contentsOf: out.appendingPathComponent("capacity.md"), encoding: .utf8)
        let html = try String(contentsOf: out.appendingPathComponent("capacity.html"), encoding: .utf8)
        #expect(markdown.contains("## Checked live") && markdown.contains("| propagation p99 |"), "\(markdown)")
        #expect(html.contains("<h2>Checked live</h2>"))
        #expect(run.output().contains("Live at 1 node × 5 users: propagation.p99"), "\(run.output())")
    }
}
