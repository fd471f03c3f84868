import ArgumentParser
import Foundation
import TandemLive
import TandemReport
import TandemScenario
import TandemSim

/// `tandem-live calibrate` (also `tandem calibrate`): fits the simulator to running servers and says how well the
/// fitted simulator predicts them.
struct Calibrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the simulator's costs to real servers: run a scenario live, write a profile, compare.",
        discussion: """
            Runs FILE live (managed tandem-server nodes, Redis and PostgreSQL as `run` does), reads every node's \
            stage timings and CPU from /metrics at the end, and fits the simulator's store latency and node cost \
            terms (docs/calibration.md). Writes OUT/profile.yaml, then runs FILE and every --hold-out scenario \
            live and in the simulator with that profile, and writes OUT/calibration.{json,md,html}: every metric \
            simulated against live with its relative error. Held-out scenarios are not used for the fit: they say \
            how well the profile predicts runs it has not seen (the goal: propagation p50 and p99 within 15 %). \
            Use the profile with `topology: {profile: FILE}` or `tandem run --profile FILE`.
            """
    )

    @Argument(help: "The scenario to fit on.") var file: String
    @Option(name: .customLong("hold-out"), help: ArgumentHelp(
        "A scenario to check the profile on, not used for the fit (repeat for several).", valueName: "file"))
    var holdOuts: [String] = []
    @Option(help: "Seed for every run (default: each file's own).") var seed: UInt64?
    @Option(help: "Where the profile, the calibration report and the runs' reports go (default: Reports/calibration/<scenario>).")
    var out: String?
    @Option(help: "Use this PostgreSQL instead of starting one (several nodes).") var databaseURL: String?
    @Option(help: "The tandem-server binary (default: next to this one).") var serverBinary: String?
    @Option(help: "The largest relative error of propagation p50 and p99 that meets the goal.") var goal = 0.15
    @Flag(help: "No progress lines.") var quiet = false

    func validate() throws {
        guard goal > 0 && goal < 10 else { throw ValidationError("--goal \(goal): expected a fraction such as 0.15") }
    }

    func run() async throws {
        guard let fitScenario = try loadScenarios(file).first else { throw ExitCode(2) }
        let heldOut = try holdOuts.map { path -> Scenario in
            guard let scenario = try loadScenarios(path).first else { throw ExitCode(2) }
            return scenario
        }
        let binary = try Up.locateServer(serverBinary)
        let folder = URL(fileURLWithPath: out ?? "Reports/calibration/\(fitScenario.name)")
        let stop = SignalWatch.start()

        progress("running \(fitScenario.name) live to fit on")
        let fitted = try await live(fitScenario, binary: binary, stop: stop)
        // Each node's played run alone: its last page less the one read just before the schedule started (the
        // whole page where there is none, or the node restarted in between).
        let played = fitted.metricsPages.enumerated().compactMap { index, page -> StageMetrics? in
            guard !page.isEmpty else { return nil }
            let end = StageMetrics.parse(page)
            let start = index < fitted.metricsPagesAtStart.count ? fitted.metricsPagesAtStart[index] : ""
            return start.isEmpty ? end : end.since(StageMetrics.parse(start)) ?? end
        }
        guard !played.isEmpty else {
            note("tandem-live: calibrate: no node's /metrics could be read at the end of the run: nothing to fit")
            throw ExitCode(2)
        }
        let fit = CalibrationFit.fit(StageMetrics.merged(played))
        let profileURL = folder.appendingPathComponent("profile.yaml")
        let profile = fit.profileYAML(calibrated: [
            ("from", "\(fitScenario.file) seed \(fitted.report.identity.seed)"),
            ("at", ISO8601DateFormatter().string(from: Date())),
            ("host", ProcessInfo.processInfo.hostName),
            ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
        ])
        try write(Data(profile.utf8), to: profileURL)
        say("profile: \(profileURL.path)")
        for term in ([fit.storeLatency].compactMap { $0 } + fit.nodeTerms) {
            say("  \(term.key): \(term.yaml)  (\(term.basis))")
        }
        for term in fit.pinned { say("  \(term.key): \(term.yaml)  (\(term.basis))") }

        var report = CalibrationReport(profile: profileURL.path, fit: fit, goal: goal)
        for (scenario, role) in [(fitScenario, "fitted")] + heldOut.map({ ($0, "held_out") }) {
            let liveReport: Report
            if role == "fitted" {
                liveReport = fitted.report
            } else {
                progress("running \(scenario.name) live (held out)")
                liveReport = try await live(scenario, binary: binary, stop: stop).report
            }
            progress("running \(scenario.name) in the simulator with the profile")
            try writeReport(liveReport, to: folder.appendingPathComponent("\(scenario.name)/live"))
            let seed = liveReport.identity.seed
            switch try simulate(scenario, profile: profileURL.path, seed: seed) {
            case .success(let simulated):
                try writeReport(simulated, to: folder.appendingPathComponent("\(scenario.name)/sim"))
                report.add(live: liveReport, simulated: simulated, role: role)
            case .failure(let error):
                note("tandem-live: calibrate: \(error)")
                report.add(failed: scenario.name, seed: seed, role: role, error: error.description)
            }
        }
        try write(try report.json(), to: folder.appendingPathComponent("calibration.json"))
        try write(Data(report.markdown.utf8), to: folder.appendingPathComponent("calibration.md"))
        try write(Data(report.html.utf8), to: folder.appendingPathComponent("calibration.html"))
        for line in report.summaryLines { say(line) }
        say("calibration: \(folder.appendingPathComponent("calibration.html").path)")
    }

    private func live(_ scenario: Scenario, binary: URL, stop: SignalWatch) async throws -> LiveRunResult {
        var options = LiveRunOptions(serverBinary: binary)
        options.seed = seed
        options.databaseURL = databaseURL
        options.stopRequested = { stop.received }
        let name = scenario.name
        if !quiet { options.progress = { line in note("\(name): \(line)") } }
        do {
            return try await LiveRun.run(scenario, options: options)
        } catch {
            note("tandem-live: \(scenario.name): \(error)")
            if let signal = stop.receivedSignal { throw ExitCode(128 + signal) }
            throw ExitCode(2)
        }
    }

    /// The scenario again, from its file, with the profile under its topology, run in the simulator.
    /// A simulation that fails is recorded in the calibration report, not the end of the calibration.
    private func simulate(_ scenario: Scenario, profile: String, seed: UInt64) throws -> Result<Report, SimulationError> {
        let profiled: Scenario
        do {
            profiled = try ScenarioLoader.loadFile(path: scenario.file, profile: profile)
        } catch {
            note("tandem-live: calibrate: \(error)")
            throw ExitCode(2)
        }
        do {
            return .success(try Simulation.run(profiled, seed: seed).report)
        } catch {
            return .failure(error)
        }
    }

    private func writeReport(_ report: Report, to folder: URL) throws {
        do {
            _ = try ReportWriter.write(report, to: folder)
        } catch {
            note("tandem-live: cannot write the report to \(folder.path): \(error)")
            throw ExitCode(2)
        }
    }

    private func write(_ data: Data, to file: URL) throws {
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file)
        } catch {
            note("tandem-live: cannot write \(file.path): \(error)")
            throw ExitCode(2)
        }
    }

    private func progress(_ line: String) {
        if !quiet { note("calibrate: \(line)") }
    }
}
