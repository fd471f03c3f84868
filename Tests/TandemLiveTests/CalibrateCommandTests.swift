import Foundation
import TandemCoreTestSupport
import TandemScenario
import Testing

/// `tandem-live calibrate` end to end: a real server run, a profile fitted from its `/metrics`, the simulator run
/// with it, and the comparison written; nothing left running.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct CalibrateCommandTests {
    static func scenario(_ name: String, users: Int, records: Int, seed: Int) -> String {
        """
        name: \(name)
        seed: \(seed)
        duration: 8s
        settle: 3s
        topology:
          nodes: 1
          links:
            client_node: {latency: {fixed: 1ms}}
            node_store: {latency: {fixed: 0ms}}
        models:
          - name: Ticket
            fields: {title: string, points: number}
        population:
          - group: agents
            users: \(users)
            records: {model: Ticket, count: \(records)}
            behavior:
              think_time: {exponential: {mean: 400ms}}
              actions: {set_field: 0.8, move_cursor: 0.2}
        """
    }

    @Test func aLiveRunIsFittedIntoAProfileAndTheSimulatorIsComparedOnFittedAndHeldOutScenarios() async throws {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fit = folder.appendingPathComponent("fit.yaml"), held = folder.appendingPathComponent("held.yaml")
        try Self.scenario("calib-fit", users: 8, records: 2, seed: 3).write(to: fit, atomically: true, encoding: .utf8)
        try Self.scenario("calib-held", users: 12, records: 1, seed: 4).write(to: held, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let run = try LiveClusterTests.start(["calibrate", fit.path, "--hold-out", held.path, "--out", out.path],
                                             environment: ["TMPDIR": folder.path])
        try await run.end("the calibration", within: .seconds(300))
        #expect(run.process.terminationStatus == 0, "\(run.output())\n\(run.errors().suffix(3_000))")

        // The profile loads, and carries what the servers measured.
        let profile = out.appendingPathComponent("profile.yaml")
        let scenario = try ScenarioLoader.loadFile(path: fit.path, profile: profile.path)
        #expect(scenario.profile?.file == profile.path)
        let text = try String(contentsOf: profile, encoding: .utf8)
        for key in ["per_message", "per_recipient", "per_delivery", "per_frame", "store: {latency"] {
            #expect(text.contains(key), "\(text)")
        }

        let data = try Data(contentsOf: out.appendingPathComponent("calibration.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let scenarios = try #require(report["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["role"] as? String } == ["fitted", "held_out"])
        #expect(scenarios.map { $0["scenario"] as? String } == ["calib-fit", "calib-held"])
        for result in scenarios {
            let metrics = try #require(result["metrics"] as? [[String: Any]])
            let p99 = try #require(metrics.first { $0["path"] as? String == "latency.propagation.p99" })
            #expect((p99["live"] as? Double ?? 0) > 0 && (p99["simulated"] as? Double ?? 0) > 0, "\(p99)")
            #expect(p99["relative_error"] is Double, "\(p99)")
        }
        let fitted = try #require(report["fitted"] as? [[String: Any]])
        #expect(fitted.contains { $0["key"] as? String == "node.per_delivery" }, "\(fitted)")
        for file in ["calibration.md", "calibration.html", "calib-fit/live/report.json", "calib-fit/sim/report.json",
                     "calib-held/live/report.json", "calib-held/sim/report.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        #expect(run.output().contains("[held_out]"), "\(run.output())")
        try await LiveRunTests.expectNothingRunning(under: folder)
    }
}
