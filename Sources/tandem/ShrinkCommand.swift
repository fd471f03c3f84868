import ArgumentParser
import Foundation
import TandemReport
import TandemScenario
import TandemSim

/// `tandem shrink`: from a failing run, the smallest scenario that still fails the same way on the same seed.
struct ShrinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shrink",
        abstract: "Shrink a failing run's scenario to the smallest one that still fails the same checks.",
        discussion: """
            Re-runs the report's scenario on its seed with its engine options, then, again and again, tries the \
            scenario with one fault, group or phase removed, one node fewer, a group's users or records halved, a \
            steady phase or the whole run cut, and keeps the first smaller scenario whose run still fails the same \
            check (--check: a checker such as version_order_violations, or a threshold such as \
            "latency.ack.p50 < 60ms", as the report names it; by default the report's first failure). It stops when \
            no step keeps the failure, and writes the smallest scenario found as YAML, with what was removed, and the \
            command that runs it. Deterministic: the same report shrinks to the same file.
            """)

    @Argument(help: "A report.json of a failing simulator run (`tandem run` writes one per seed).")
    var report: String

    @Option(help: "The scenario file of the report (default: the file named in the report, found under --scenarios).")
    var scenario: String?

    @Option(help: "Where to look for the scenario the report names.")
    var scenarios = "Scenarios"

    @Option(help: "Where the shrunk scenario goes.")
    var out = "Reports/shrink"

    @Option(help: "The failure to keep, as the report names it (default: the report's first failure).")
    var check: String?

    @Option(help: "Stop after this many runs and write the smallest scenario found so far.")
    var maxRuns = 400

    func run() throws {
        let original = try Self.readFailingReport(report)
        let file = try Self.scenarioFile(of: original, given: scenario, under: scenarios)
        let outcome = try Self.shrink(original, file: file, out: out, maxRuns: maxRuns, check: check)
        print("\(outcome.removed.count) step(s) in \(outcome.runs) run(s); still fails: \(outcome.check)")
        for step in outcome.removed { print("  - \(step)") }
        print("  scenario: \(outcome.file.path)")
        print("run it: \(outcome.command)")
    }

    /// What a shrink found: the file it wrote, the steps it kept, how many runs it took and the command to run it.
    struct Outcome {
        var check: String
        var file: URL
        var removed: [String]
        var runs: Int
        var command: String
    }

    /// Shrinks the failing run `original` of `file` (see the discussion above) and writes the result under `out`.
    static func shrink(_ original: Report, file: URL, out: String, maxRuns: Int, check: String? = nil) throws -> Outcome {
        var options = try EngineOptions.simulationOptions(of: original)
        options.progress = nil
        let seed = original.identity.seed
        let kinds = original.failureKinds()
        guard let want = check ?? kinds.first, kinds.contains(want) else {
            FileHandleOutput.standardError("""
                --check '\(check ?? "")': the report does not fail that; it fails: \
                \(kinds.map { "'\($0)'" }.joined(separator: ", "))
                """)
            throw ExitCode(2)
        }
        var current = try prepared(file, seed: seed)
        var runs = 0

        func stillFails(_ yaml: String) throws -> Bool {
            guard let scenario = try? ScenarioLoader.load(
                yaml: yaml, file: "\(original.identity.scenarioName)-shrunk.yaml", profile: original.identity.profile?.file)
            else { return false }  // a step the loader refuses (a fault after the new end, say) is no step
            runs += 1
            do {
                return try Simulation.run(scenario, seed: seed, options: options).report.failureKinds().contains(want)
            } catch {
                FileHandleOutput.standardError("\(error)")
                throw ExitCode(1)
            }
        }
        func progress(_ removed: [String]) {
            FileHandleOutput.progress("shrink \(original.identity.scenarioName) seed \(seed): \(runs) run(s), "
                + "\(removed.count) step(s) kept" + (removed.last.map { ": \($0)" } ?? ""))
        }

        guard try stillFails(current.yaml) else {
            FileHandleOutput.standardError("""
                \(file.path) seed \(seed) no longer fails \(want) as the report says: \
                the scenario file or the engine changed since the report was made
                """)
            throw ExitCode(1)
        }
        var removed: [String] = []
        progress(removed)
        search: while runs < maxRuns {
            for step in ScenarioShrinker.reductions(of: current.yaml) {
                guard runs < maxRuns else { break search }
                if try stillFails(step.yaml) {
                    current.yaml = step.yaml
                    removed.append(step.step)
                    progress(removed)
                    continue search
                }
                if isatty(2) != 0 { progress(removed) }
            }
            break
        }
        FileHandleOutput.endProgress()
        let written = try write(current.yaml, removed: removed, original: original, check: want, from: file, runs: runs,
                                out: out)
        let command = (["tandem", "run", written.path] + (original.identity.engineOptions ?? [])).joined(separator: " ")
        return Outcome(check: want, file: written, removed: removed, runs: runs, command: command)
    }

    /// The scenario file as shrinking starts from it: its `seed` is the report's, so that the shrunk file runs the
    /// same seed without `--seed`, and its `name` says it was shrunk, so that its reports go beside the original's.
    static func prepared(_ file: URL, seed: UInt64) throws -> (yaml: String, name: String) {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            FileHandleOutput.standardError("\(file.path): cannot read: \(error.localizedDescription)")
            throw ExitCode(2)
        }
        guard let yaml = ScenarioShrinker.renamed(text, suffix: "-shrunk", seed: seed) else {
            FileHandleOutput.standardError("\(file.path): not a scenario mapping")
            throw ExitCode(2)
        }
        return (yaml, file.deletingPathExtension().lastPathComponent + "-shrunk")
    }

    private static func write(
        _ yaml: String, removed: [String], original: Report, check: String, from file: URL, runs: Int, out: String
    ) throws -> URL {
        let folder = URL(fileURLWithPath: out)
        let target = folder.appendingPathComponent(
            "\(original.identity.scenarioName)-seed\(original.identity.seed)-shrunk.yaml")
        let switches = (original.identity.engineOptions ?? []).joined(separator: " ")
        var header = [
            "# Shrunk by `tandem shrink` from \(file.path), seed \(original.identity.seed)"
                + (switches.isEmpty ? "" : " (\(switches))") + ", in \(runs) run(s).",
            "# Still fails: \(check).",
        ]
        header += removed.isEmpty ? ["# Nothing could be removed."] : ["# Removed, in order:"] + removed.map { "#  - \($0)" }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data((header.joined(separator: "\n") + "\n" + yaml).utf8).write(to: target)
        } catch {
            FileHandleOutput.standardError("\(target.path): cannot write: \(error.localizedDescription)")
            throw ExitCode(2)
        }
        return target
    }

    static func readFailingReport(_ path: String) throws -> Report {
        let report = try ReportInput.read(path)
        guard report.identity.mode == .sim else {
            FileHandleOutput.standardError("""
                \(path): a live run; shrinking replays runs in the simulator: run its scenario there \
                (tandem run FILE --seed \(report.identity.seed)) and shrink that report
                """)
            throw ExitCode(2)
        }
        guard !report.passed else {
            FileHandleOutput.standardError("\(path): the run passed: nothing to shrink")
            throw ExitCode(2)
        }
        return report
    }

    /// The report's scenario file: `given`, or the scenario of that name under `folder`; its bytes must be the ones
    /// the report ran (the same `scenario_file_hash`), or shrinking would chase another failure.
    static func scenarioFile(of report: Report, given: String?, under folder: String) throws -> URL {
        let candidates = try ScenarioInput.load(given ?? folder, profile: report.identity.profile?.file)
        let name = report.identity.scenarioName
        guard let scenario = given != nil ? candidates.first : candidates.first(where: { $0.name == name }) else {
            FileHandleOutput.standardError("no scenario named \(name) in \(folder): pass its file with --scenario")
            throw ExitCode(2)
        }
        guard scenario.fileHash == report.identity.scenarioFileHash else {
            FileHandleOutput.standardError("""
                \(scenario.file) is not the file the report ran (hash \(scenario.fileHash), the report has \
                \(report.identity.scenarioFileHash)): pass the file it ran with --scenario
                """)
            throw ExitCode(2)
        }
        return URL(fileURLWithPath: scenario.file)
    }
}
