import ArgumentParser
import Foundation
import TandemReport
import TandemScenario
import TandemSim

/// `tandem`: runs collaboration scenarios in the deterministic simulator and judges their reports.
struct TandemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Simulate and load-test the Tandem collaboration engine.",
        discussion: """
            Scenarios are YAML files (see Scenarios/ and docs/scenarios.md). Exit codes: 0 every check and \
            threshold met, 1 a threshold or checker failed, 2 bad input.
            """,
        subcommands: [
            RunCommand.self, SweepCommand.self, GateCommand.self, ReplayCommand.self, CompareCommand.self,
            BenchCommand.self, CapacityCommand.self, MergeCommand.self, ShrinkCommand.self, CalibrateCommand.self,
            CapacityWorkerCommand.self,
        ],
        defaultSubcommand: RunCommand.self)
}

/// Small output helpers shared by the subcommands.
enum FileHandleOutput {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A progress line that rewrites itself on a terminal (and is plain lines elsewhere).
    static func progress(_ text: String) {
        if isatty(2) != 0 {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    static func endProgress() {
        if isatty(2) != 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Options that change how the engine is built for a run (the deliberately broken ones exist to prove
/// that the checkers catch what they claim to).
/// `--profile FILE`: the simulator's costs from a calibration profile (`tandem calibrate`).
struct ProfileOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A calibration profile (tandem calibrate) under every scenario's topology, instead of the one it names; "
            + "values the scenario gives still win.", valueName: "file"))
    var profile: String?
}

struct EngineOptions: ParsableArguments {
    @Flag(help: "Broken engine: acknowledge changes before they are stored (the lost-write checker must fail).")
    var ackBeforePersist = false

    @Flag(help: "Disable gap recovery on every node, whatever the scenario says (shows what the broker loses).")
    var noGapRecovery = false

    @Flag(help: "Broken engine: never expire silent connections (the presence-ghost checker must fail).")
    var noPresenceExpiry = false

    @Flag(help: "Send every simulated message through the production codecs (client and server frames, backplane JSON); slower, and the trace must not change.")
    var wire = false

    @Option(help: .hidden)  // Test hook of the scenario gate's tests: a deliberately slower commit (see README).
    var testHookCommitDelayMs: Double = 0

    /// The options as written on the command line, for a replay command; empty when all are defaults.
    var arguments: [String] { simulationOptions.arguments }

    var simulationOptions: SimulationOptions {
        var options = SimulationOptions()
        options.ackBeforePersist = ackBeforePersist
        if noGapRecovery { options.gapRecovery = false }
        options.presenceExpiry = !noPresenceExpiry
        options.wire = wire
        options.testHookCommitDelay = .nanoseconds(Int64((max(0, testHookCommitDelayMs) * 1e6).rounded()))
        return options
    }
}

extension EngineOptions {
    /// The engine the report's run had (`identity.engine_options`, as `tandem run` flags).
    static func simulationOptions(of report: Report) throws -> SimulationOptions {
        do {
            return try parse(report.identity.engineOptions ?? []).simulationOptions
        } catch {
            FileHandleOutput.standardError("the report's engine options \(report.identity.engineOptions ?? []) are not "
                + "this tandem's: \(message(for: error))")
            throw ExitCode(2)
        }
    }
}

/// Reads a `report.json`, turning a missing or unreadable file into exit code 2 with one line naming it (as
/// `DistributionInput` does for a `distribution.json`).
enum ReportInput {
    static func read(_ path: String) throws -> Report {
        do {
            return try Report.decode(from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            FileHandleOutput.standardError("\(path): not a readable report: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Loads scenario files, turning every loading problem into exit code 2 with the file:line:column message.
enum ScenarioInput {
    /// `profile`: a calibration profile to use instead of the one a scenario names (`--profile`).
    static func load(_ path: String, profile: String? = nil) throws -> [Scenario] {
        do {
            return try ScenarioLoader.load(path: path, profile: profile)
        } catch {
            FileHandleOutput.standardError("\(error)")
            throw ExitCode(2)
        }
    }
}

/// Writes one output file, creating its folder; a failure is exit code 2.
enum FileOutput {
    static func write(_ data: Data, to file: URL) throws {
        do {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file)
        } catch {
            FileHandleOutput.standardError("cannot write \(file.path): \(error)")
            throw ExitCode(2)
        }
    }
}

/// Writes a report's three files and says where.
enum ReportOutput {
    static func write(_ report: Report, under directory: String, folder: String) throws -> URL {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(report.identity.scenarioName)
            .appendingPathComponent(folder)
        do {
            _ = try ReportWriter.write(report, to: url)
        } catch {
            FileHandleOutput.standardError("cannot write the report to \(url.path): \(error)")
            throw ExitCode(2)
        }
        return url
    }

    /// One line: verdict, the headline numbers, identity.
    static func summary(_ report: Report) -> String { report.summaryLine }
}
