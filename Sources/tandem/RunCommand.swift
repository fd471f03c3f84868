import ArgumentParser
import Synchronization
import Foundation
import TandemReport
import TandemScenario
import TandemSim

/// `tandem run`: one scenario, or every scenario in a folder, in the simulator.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios in the deterministic simulator and write their reports.",
        discussion: "Writes OUT/<scenario>/<seed>/report.{json,md,html}. The same seed gives the same trace hash.")

    @Argument(help: "A scenario file, or a folder of them.")
    var path: String

    @Option(help: "Seed for every scenario (default: each file's own seed).")
    var seed: UInt64?

    @Option(help: "Where reports go.")
    var out = "Reports"

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "Run live: real tandem-server processes, Redis, PostgreSQL and faults (hands over to tandem-live).")
    var live = false

    @Option(help: "Live: use this PostgreSQL instead of starting one.")
    var databaseURL: String?

    @Option(help: "Live: the tandem-server binary (default: next to tandem-live).")
    var serverBinary: String?

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        if !live && (databaseURL != nil || serverBinary != nil) {
            throw ValidationError("--database-url and --server-binary are for live runs: add --live")
        }
        if live && engine.noGapRecovery {
            throw ValidationError("--no-gap-recovery is for the simulator (the servers take broker.recovery from "
                + "their configuration)")
        }
    }

    func run() throws {
        if live { try LiveHandover.exec(liveArguments) }
        let scenarios = try ScenarioInput.load(path)
        var failed = false
        for scenario in scenarios {
            let report = try simulate(scenario)
            let folder = try ReportOutput.write(report, under: out, folder: String(report.identity.seed))
            print(ReportOutput.summary(report))
            print("  report: \(folder.path)/report.html")
            for reason in report.failureReasons() { print("  ✗ \(reason)") }
            if !report.passed { failed = true }
        }
        if failed { throw ExitCode(1) }
    }

    /// `tandem-live run` with this command's options.
    private var liveArguments: [String] {
        var arguments = ["run", path, "--out", out]
        if let seed { arguments += ["--seed", String(seed)] }
        if quiet { arguments.append("--quiet") }
        if engine.ackBeforePersist { arguments.append("--ack-before-persist") }
        if engine.noPresenceExpiry { arguments.append("--no-presence-expiry") }
        if let databaseURL { arguments += ["--database-url", databaseURL] }
        if let serverBinary { arguments += ["--server-binary", serverBinary] }
        return arguments
    }

    private func simulate(_ scenario: Scenario) throws -> Report {
        var options = engine.simulationOptions
        if !quiet {
            let name = scenario.name
            // On a terminal the line rewrites itself every simulated second; in a log, one line per 10%.
            let lastDecile = Mutex(-1)
            let terminal = isatty(2) != 0
            options.progress = { progress in
                let percent = Int(Double(progress.simulatedNanos) / Double(max(1, progress.totalNanos)) * 100)
                if !terminal {
                    let due = lastDecile.withLock { last in
                        guard percent / 10 > last else { return false }
                        last = percent / 10
                        return true
                    }
                    if !due { return }
                }
                FileHandleOutput.progress("\(name): \(percent)% of simulated time, \(progress.connectedClients) clients connected")
            }
        }
        do {
            let result = try Simulation.run(scenario, seed: seed, options: options)
            if !quiet { FileHandleOutput.endProgress() }
            return result.report
        } catch {
            if !quiet { FileHandleOutput.endProgress() }
            FileHandleOutput.standardError("\(error)")
            throw ExitCode(1)
        }
    }
}

/// `tandem sweep`: one scenario under many seeds.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run one scenario with many seeds; list the seeds that failed, each with its replay command.",
        discussion: "Reports of failing seeds are written to OUT/<scenario>/<seed>/. Shard a large sweep with --from.")

    @Argument(help: "A scenario file.")
    var path: String

    @Option(help: "How many seeds.")
    var seeds: Int

    @Option(help: "The first seed.")
    var from: UInt64 = 1

    @Option(help: "Where reports of failing seeds go.")
    var out = "Reports"

    @Flag(help: "Shrink each failing seed's scenario to the smallest that still fails the same way (`tandem shrink`), into OUT/shrink.")
    var shrink = false

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be at least 1") }
    }

    func run() throws {
        let scenarios = try ScenarioInput.load(path)
        guard scenarios.count == 1, let scenario = scenarios.first else {
            FileHandleOutput.standardError("\(path): sweep takes one scenario file, found \(scenarios.count) scenarios")
            throw ExitCode(2)
        }
        var failing: [(seed: UInt64, reasons: [String], report: Report?)] = []
        for offset in 0..<UInt64(seeds) {
            let seed = from + offset
            FileHandleOutput.progress("\(scenario.name): seed \(seed) (\(offset + 1)/\(seeds)), \(failing.count) failed so far")
            do {
                let report = try Simulation.run(scenario, seed: seed, options: engine.simulationOptions).report
                if !report.passed {
                    _ = try ReportOutput.write(report, under: out, folder: String(seed))
                    failing.append((seed, report.failureReasons(), report))
                }
            } catch let error as SimulationError {
                failing.append((seed, [error.message], nil))
            }
        }
        FileHandleOutput.endProgress()
        print("\(scenario.name): \(seeds - failing.count) of \(seeds) seeds passed")
        let switches = engine.arguments.map { " " + $0 }.joined()
        for failure in failing {
            print("  seed \(failure.seed): \(failure.reasons.first ?? "failed")")
            print("    replay: tandem run \(path) --seed \(failure.seed)\(switches)")
            if shrink, let report = failure.report {
                let shrunk = try ShrinkCommand.shrink(report, file: URL(fileURLWithPath: scenario.file),
                                                      out: out + "/shrink", maxRuns: 400)
                print("    shrunk (\(shrunk.removed.count) steps in \(shrunk.runs) runs): \(shrunk.command)")
            }
        }
        if !failing.isEmpty { throw ExitCode(1) }
    }
}

/// Live runs live in `tandem-live` (NIO, real processes), so the simulator builds without server dependencies;
/// `tandem run --live` replaces this process with it.
enum LiveHandover {
    static func exec(_ arguments: [String]) throws -> Never {
        let selfPath = FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
        let own = URL(fileURLWithPath: selfPath).resolvingSymlinksInPath()
        let live = own.deletingLastPathComponent().appendingPathComponent("tandem-live").path
        guard FileManager.default.isExecutableFile(atPath: live) else {
            FileHandleOutput.standardError(
                "tandem run --live needs tandem-live next to \(own.path); build it: "
                    + "swift build --product tandem-live (and tandem-server)")
            throw ExitCode(2)
        }
        let argv = ([live] + arguments).map { strdup($0) } + [nil]
        execv(live, argv)
        FileHandleOutput.standardError("tandem run --live: cannot start \(live): errno \(errno)")
        throw ExitCode(2)
    }
}
