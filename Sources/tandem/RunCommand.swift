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

    @Option(help: "Run at this many users (every group scaled in proportion, ramps too), as `tandem capacity` does.")
    var users: Int?

    @Option(help: "Run on this many nodes.")
    var nodes: Int?

    @Flag(help: "Run live: real tandem-server processes, Redis, PostgreSQL and faults (hands over to tandem-live).")
    var live = false

    @Option(help: "Live: use this PostgreSQL instead of starting one.")
    var databaseURL: String?

    @Option(help: "Live: the tandem-server binary (default: next to tandem-live).")
    var serverBinary: String?

    @OptionGroup var engine: EngineOptions

    @OptionGroup var profileOption: ProfileOption

    func validate() throws {
        if !live && (databaseURL != nil || serverBinary != nil) {
            throw ValidationError("--database-url and --server-binary are for live runs: add --live")
        }
        if live && profileOption.profile != nil {
            throw ValidationError("--profile sets the simulator's costs; a live run has the real ones: drop --live or --profile")
        }
        if live && engine.noGapRecovery {
            throw ValidationError("--no-gap-recovery is for the simulator (the servers take broker.recovery from "
                + "their configuration)")
        }
    }

    func run() throws {
        if live { try LiveHandover.exec(liveArguments) }
        let scenarios = try ScenarioInput.load(path, profile: profileOption.profile).map { scenario in
            do {
                return try scenario.resized(users: users, nodes: nodes)
            } catch {
                FileHandleOutput.standardError("\(scenario.file): --users/--nodes: \(error)")
                throw ExitCode(2)
            }
        }
        var failed = false
        for scenario in scenarios {
            for warning in scenario.heartbeatWarnings {
                FileHandleOutput.standardError("warning: \(scenario.file): \(warning)")
            }
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
        if let users { arguments += ["--users", String(users)] }
        if let nodes { arguments += ["--nodes", String(nodes)] }
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
        discussion: """
            Reports of failing seeds are written to OUT/<scenario>/<seed>/, and every seed's outcome to \
            OUT/<scenario>/sweep.json. --shard I/N runs every N-th seed (one machine of N: a CI matrix or an indexed \
            Job) and writes sweep-shard-I-of-N.json; `tandem merge` of the N shards' folders writes the sweep.json \
            and reports the whole sweep writes.
            """)

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

    @Option(help: "Run only the I-th of N slices of the seeds (seed number k from 0 goes to shard k mod N + 1).")
    var shard: String?

    @OptionGroup var engine: EngineOptions

    @OptionGroup var profileOption: ProfileOption

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be at least 1") }
        if let shard { _ = try parsedShard(shard) }
    }

    private func parsedShard(_ text: String) throws -> Shard {
        do { return try Shard(parsing: text) } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        let scenarios = try ScenarioInput.load(path, profile: profileOption.profile)
        guard scenarios.count == 1, let scenario = scenarios.first else {
            FileHandleOutput.standardError("\(path): sweep takes one scenario file, found \(scenarios.count) scenarios")
            throw ExitCode(2)
        }
        let slice = try shard.map(parsedShard)
        let mine = SweepSummary.seeds(from: from, count: seeds, shard: slice)
        var results: [SweepSummary.Result] = []
        var reports: [UInt64: Report] = [:]
        for (offset, seed) in mine.enumerated() {
            let failed = results.count { !$0.passed }
            FileHandleOutput.progress("\(scenario.name): seed \(seed) (\(offset + 1)/\(mine.count)), \(failed) failed so far")
            do {
                let report = try Simulation.run(scenario, seed: seed, options: engine.simulationOptions).report
                results.append(.init(seed: seed, passed: report.passed, traceHash: report.identity.traceHash,
                                     failures: report.failureReasons()))
                if !report.passed {
                    _ = try ReportOutput.write(report, under: out, folder: String(seed))
                    reports[seed] = report
                }
            } catch let error as SimulationError {
                results.append(.init(seed: seed, passed: false, traceHash: nil, failures: [error.message]))
            }
        }
        FileHandleOutput.endProgress()
        let summary = SweepSummary(
            scenarioName: scenario.name, scenarioFile: path, scenarioFileHash: scenario.fileHash,
            engineOptions: engine.arguments, firstSeed: from, seedCount: seeds, shard: slice, results: results)
        try Self.write(summary, under: out)
        for line in Self.lines(summary) { print(line) }
        for failure in summary.failing {
            if shrink, let report = reports[failure.seed] {
                let shrunk = try ShrinkCommand.shrink(report, file: URL(fileURLWithPath: scenario.file),
                                                      out: out + "/shrink", maxRuns: 400)
                print("  seed \(failure.seed) shrunk (\(shrunk.removed.count) steps in \(shrunk.runs) runs): \(shrunk.command)")
            }
        }
        if !summary.failing.isEmpty { throw ExitCode(1) }
    }

    /// Writes `OUT/<scenario>/sweep.json` (or the shard's file).
    static func write(_ summary: SweepSummary, under out: String) throws {
        let file = URL(fileURLWithPath: out).appendingPathComponent(summary.scenarioName)
            .appendingPathComponent(summary.fileName)
        let data: Data
        do { data = try summary.jsonData() } catch {
            FileHandleOutput.standardError("cannot encode \(file.path): \(error)")
            throw ExitCode(2)
        }
        try FileOutput.write(data, to: file)
    }

    /// What a sweep prints: how many seeds passed, and each failing seed with its first reason and replay command.
    static func lines(_ summary: SweepSummary) -> [String] {
        let of = summary.shard.map { " (shard \($0) of \(summary.seedCount) seeds)" } ?? ""
        var lines = ["\(summary.scenarioName): \(summary.results.count - summary.failing.count) of \(summary.results.count) "
            + "seeds passed\(of)"]
        let switches = summary.engineOptions.map { " " + $0 }.joined()
        for failure in summary.failing {
            lines.append("  seed \(failure.seed): \(failure.failures.first ?? "failed")")
            lines.append("    replay: tandem run \(summary.scenarioFile) --seed \(failure.seed)\(switches)")
        }
        return lines
    }
}

/// Live runs live in `tandem-live` (NIO, real processes), so the simulator builds without server dependencies;
/// `tandem run --live` replaces this process with it.
enum LiveHandover {
    static func exec(_ arguments: [String]) throws -> Never {
        let live = try binary(for: arguments.first == "calibrate" ? "tandem calibrate" : "tandem run --live")
        let argv = ([live] + arguments).map { strdup($0) } + [nil]
        execv(live, argv)
        FileHandleOutput.standardError("tandem: cannot start \(live): errno \(errno)")
        throw ExitCode(2)
    }

    /// `tandem-live` next to this binary; `what` (the command that needs it) names the problem when it is missing.
    static func binary(for what: String) throws -> String {
        let selfPath = FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
        let own = URL(fileURLWithPath: selfPath).resolvingSymlinksInPath()
        let live = own.deletingLastPathComponent().appendingPathComponent("tandem-live").path
        guard FileManager.default.isExecutableFile(atPath: live) else {
            FileHandleOutput.standardError(
                "\(what) needs tandem-live next to \(own.path); build it: swift build --product tandem-live "
                    + "(and tandem-server)")
            throw ExitCode(2)
        }
        return live
    }
}

/// `tandem calibrate`: live runs need NIO and real processes, so it is `tandem-live calibrate`'s, handed over.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit the simulator's costs to real servers (runs tandem-live calibrate; see its --help).",
        discussion: """
            tandem calibrate FILE [--hold-out FILE]… [--out DIR] [--seed N]: runs FILE live, fits a profile \
            (OUT/profile.yaml) from the servers' stage timings, and compares the simulator with the profile \
            against live on FILE and every held-out scenario (OUT/calibration.{json,md,html}). Needs tandem-live \
            and tandem-server built next to tandem.
            """)

    @Argument(parsing: .captureForPassthrough, help: "Arguments for tandem-live calibrate.")
    var arguments: [String] = []

    func run() throws { try LiveHandover.exec(["calibrate"] + arguments) }
}
