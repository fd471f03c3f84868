import Foundation
import TandemCoreTestSupport
import TandemReport
import TandemScenario
import Testing

/// `tandem shrink`, the real binary: a failing run of a shipped scenario shrinks to a small scenario that fails the
/// same checks, the same way every time; a report with nothing to shrink is one line and exit code 2.
@Suite struct ShrinkCommandTests {
    static func folder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-shrink-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// partition-streams with gap recovery off on every node: after the partition, node-2's clients miss versions
    /// for good (version order violations, divergent views, no convergence). 60 users, one fault, 60 s.
    @Test func aNoGapRecoveryFailureShrinksToAFractionThatStillFailsTheSameWay() async throws {
        let binary = URL(fileURLWithPath: try TandemBinary.path())
        let folder = try Self.folder("streams")
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenarios = TandemBinary.packageRoot + "/Scenarios"
        let run = try await runToCompletion(binary, ["run", scenarios + "/partition-streams.yaml", "--no-gap-recovery",
                                                     "--out", folder.path + "/runs", "--quiet"])
        #expect(run.status == 1, "\(run.output)")
        let reportPath = folder.path + "/runs/partition-streams/7/report.json"
        let original = try Report.decode(from: Data(contentsOf: URL(fileURLWithPath: reportPath)))
        #expect(original.identity.engineOptions == ["--no-gap-recovery"])
        #expect(original.failureKinds().first == "version_order_violations", "\(original.failureKinds())")

        let wrongCheck = try await runToCompletion(
            binary, ["shrink", reportPath, "--scenarios", scenarios, "--check", "lost_acknowledged_writes"])
        #expect(wrongCheck.status == 2)
        #expect(wrongCheck.output.contains("--check 'lost_acknowledged_writes': the report does not fail that; it fails: "
                                           + "'version_order_violations'"), "\(wrongCheck.output)")

        var files: [Data] = []
        for attempt in ["a", "b"] {
            let shrink = try await runToCompletion(
                binary, ["shrink", reportPath, "--scenarios", scenarios, "--out", folder.path + "/shrunk-" + attempt])
            #expect(shrink.status == 0, "\(shrink.output)")
            #expect(shrink.output.contains("run it: tandem run ") && shrink.output.contains("--no-gap-recovery"),
                    "\(shrink.output)")
            files.append(try Data(contentsOf: folder.appendingPathComponent(
                "shrunk-\(attempt)/partition-streams-seed7-shrunk.yaml")))
        }
        #expect(files[0] == files[1], "the same report shrinks to the same file")

        let file = folder.appendingPathComponent("shrunk-a/partition-streams-seed7-shrunk.yaml").path
        let shrunk = try ScenarioLoader.loadFile(path: file)
        #expect(shrunk.faults.count <= 1)
        let users = shrunk.population.map(\.userCount).reduce(0, +)
        #expect(users <= 30, "a fraction of the 60 users: \(users)")
        #expect(shrunk.seed == 7 && shrunk.name == "partition-streams-shrunk")
        let text = String(decoding: files[0], as: UTF8.self)
        #expect(text.hasPrefix("# Shrunk by `tandem shrink` from ") && text.contains("# Removed, in order:"), "\(text)")

        let rerun = try await runToCompletion(binary, ["run", file, "--no-gap-recovery", "--out", folder.path + "/rerun",
                                                       "--quiet"])
        #expect(rerun.status == 1, "the shrunk file still fails: \(rerun.output)")
        let again = try Report.decode(from: Data(contentsOf: folder.appendingPathComponent(
            "rerun/partition-streams-shrunk/7/report.json")))
        #expect(again.failureKinds().contains("version_order_violations"), "\(again.failureKinds())")
        #expect(text.contains("# Still fails: version_order_violations."), "\(text)")
    }

    @Test func aPassingRunHasNothingToShrink() async throws {
        let binary = URL(fileURLWithPath: try TandemBinary.path())
        let folder = try Self.folder("passing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenarios = TandemBinary.packageRoot + "/Scenarios"
        let run = try await runToCompletion(binary, ["run", scenarios + "/smoke-10.yaml", "--out", folder.path, "--quiet"])
        #expect(run.status == 0, "\(run.output)")
        let path = folder.path + "/smoke-10/1/report.json"
        let shrink = try await runToCompletion(binary, ["shrink", path, "--scenarios", scenarios])
        #expect(shrink.status == 2)
        #expect(shrink.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(path): the run passed: nothing to shrink")
        let missing = try await runToCompletion(binary, ["shrink", folder.path + "/nope.json"])
        #expect(missing.status == 2)
        #expect(missing.output.contains("nope.json: not a readable report"), "\(missing.output)")
    }
}
