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
        let original: Report
        do {
            original = try Report.decode(from: Data(contentsOf: URL(fileURLWithPath: report)))
        } catch {
            FileHandleOutput.standardError("\(report): not a readable report: \(error)")
            throw ExitCode(2)
        }
        let candidates = try ScenarioInput.load(scenarios)
        guard let scenario = candidates.first(where: { $0.name == original.identity.scenarioName }) else {
            FileHandleOutput.standardError("no scenario named \(original.identity.scenarioName) in \(scenarios)")
            throw ExitCode(2)
        }
        if scenario.fileHash != original.identity.scenarioFileHash {
            FileHandleOutput.standardError("warning: \(scenario.file) changed since the report was made "
                + "(hash \(scenario.fileHash), report has \(original.identity.scenarioFileHash))")
        }
        let replayed: Report
        do {
            replayed = try Simulation.run(scenario, seed: original.identity.seed).report
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

/// `tandem compare`: what got worse since a baseline report.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a report with a baseline; exit 1 when something got worse past the tolerance.")

    @Argument(help: "The new report.json.")
    var report: String

    @Argument(help: "The baseline report.json.")
    var baseline: String

    @Option(help: "How much worse a latency may get before it counts, e.g. 10%.")
    var tolerance = "10%"

    @Option(help: "Latency differences below this many milliseconds never count.")
    var floorMs = 1.0

    func run() throws {
        let current = try load(report)
        let base = try load(baseline)
        let fraction: Double
        do {
            fraction = try ReportComparison.parseTolerance(tolerance)
        } catch {
            FileHandleOutput.standardError("--tolerance: \(error)")
            throw ExitCode(2)
        }
        let comparison = ReportComparison.compare(current: current, baseline: base, tolerance: fraction,
                                                  absoluteFloorMs: floorMs)
        print(comparison.summary)
        if comparison.hasRegressions { throw ExitCode(1) }
    }

    private func load(_ path: String) throws -> Report {
        do {
            return try Report.decode(from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            FileHandleOutput.standardError("\(path): not a readable report: \(error)")
            throw ExitCode(2)
        }
    }
}
