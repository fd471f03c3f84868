import ArgumentParser
import Foundation
import TandemReport
import TandemScenario
import TandemSim

/// `tandem replay`: re-runs exactly the run a report describes and checks that it is the same run.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run the run a report.json describes (same scenario, same seed) and compare trace hashes.")

    @Argument(help: "A report.json written by `tandem run`.")
    var report: String

    @Option(help: "Where to look for the scenario file the report names.")
    var scenarios = "Scenarios"

    @Option(help: "Where the new report goes.")
    var out = "Reports/replay"

    func run() throws {
        let original = try ReportInput.read(report)
        let candidates = try ScenarioInput.load(scenarios, profile: original.identity.profile?.file)
        guard let scenario = candidates.first(where: { $0.name == original.identity.scenarioName }) else {
            FileHandleOutput.standardError("no scenario named \(original.identity.scenarioName) in \(scenarios)")
            throw ExitCode(2)
        }
        if scenario.fileHash != original.identity.scenarioFileHash {
            FileHandleOutput.standardError("warning: \(scenario.file) changed since the report was made "
                + "(hash \(scenario.fileHash), report has \(original.identity.scenarioFileHash))")
        }
        if let profile = original.identity.profile, let now = scenario.profile, now.hash != profile.hash {
            FileHandleOutput.standardError("warning: the profile \(profile.file) changed since the report was made "
                + "(hash \(now.hash), report has \(profile.hash))")
        }
        let options = try EngineOptions.simulationOptions(of: original)
        let replayed: Report
        do {
            replayed = try Simulation.run(scenario, seed: original.identity.seed, options: options).report
        } catch {
            FileHandleOutput.standardError("\(error)")
            throw ExitCode(1)
        }
        let folder = try ReportOutput.write(replayed, under: out, folder: String(replayed.identity.seed))
        print(ReportOutput.summary(replayed))
        print("  report: \(folder.path)/report.html")
        if replayed.identity.traceHash == original.identity.traceHash {
            print("replay identical: trace \(replayed.identity.traceHash ?? "-")")
        } else {
            print("replay DIFFERS: trace \(replayed.identity.traceHash ?? "-"), report had \(original.identity.traceHash ?? "-")")
            throw ExitCode(1)
        }
        if !replayed.passed { throw ExitCode(1) }
    }
}

/// `tandem compare`: what got worse since a baseline: two reports, or two seed distributions (or folders holding a
/// `distribution.json`, as `tandem gate` writes them) judged by the gate's statistical rule.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a report with a baseline; exit 1 when something got worse past the tolerance.",
        discussion: """
            Two report.json files: each percentile is compared once. Two distribution.json files (or folders \
            holding one): the change of each metric's median across seeds, with a bootstrap interval and a \
            Mann–Whitney p-value, as `tandem gate` judges it.
            """)

    @Argument(help: "The new report.json, or distribution.json (or a folder holding one).")
    var report: String

    @Argument(help: "The baseline, of the same kind.")
    var baseline: String

    @Option(help: "How much worse a latency may get before it counts, e.g. 10%.")
    var tolerance = "10%"

    @Option(help: "Latency differences below this many milliseconds never count.")
    var floorMs = 1.0

    func run() throws {
        let fraction = try ToleranceOption.parse(tolerance)
        let (current, base) = (Self.distributionPath(report), Self.distributionPath(baseline))
        if let current, let base {
            let comparison = DistributionComparison.compare(
                candidate: try DistributionInput.load(current), baseline: try DistributionInput.load(base),
                tolerance: fraction, floorMs: floorMs)
            print(comparison.summary, terminator: "")
            if !comparison.passed { throw ExitCode(1) }
            return
        }
        let comparison = ReportComparison.compare(current: try load(report), baseline: try load(baseline),
                                                  tolerance: fraction, absoluteFloorMs: floorMs)
        print(comparison.summary)
        if comparison.hasRegressions { throw ExitCode(1) }
    }

    /// The distribution file `path` names: `path/distribution.json` for a folder, `path` itself when it holds a
    /// JSON object with a `format` key (a report has `schema_version` instead); nil for anything else.
    static func distributionPath(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
        if isFolder.boolValue { return (path as NSString).appendingPathComponent("distribution.json") }
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["format"] != nil ? path : nil
    }

    private func load(_ path: String) throws -> Report { try ReportInput.read(path) }
}

/// Reads `--tolerance` (`10%` or `0.1`); bad text is exit code 2.
enum ToleranceOption {
    static func parse(_ text: String) throws -> Double {
        do {
            return try ReportComparison.parseTolerance(text)
        } catch {
            FileHandleOutput.standardError("--tolerance: \(error)")
            throw ExitCode(2)
        }
    }
}
