import ArgumentParser
import Foundation
import Synchronization
import TandemReport
import TandemScenario
import TandemSim

/// `tandem gate`: runs scenarios under K seeds on every core and judges them against their baseline
/// distributions (`DistributionComparison`), or writes those baselines.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Run scenarios under many seeds in parallel and compare them with their baseline distributions.",
        discussion: """
            Reads BASELINE/<scenario>/distribution.json and runs the same seeds (or --seeds K from --from). A metric \
            regresses only when the 95% bootstrap interval of the change of its median across seeds lies entirely \
            above the tolerance and the Mann–Whitney U test gives p < 0.01; any seed failing a checker fails. \
            Writes OUT/<scenario>/gate.{md,html} and the candidate's distribution.json. Exit codes: 0 pass, 1 a \
            regression or a failing seed, 2 bad input or a missing baseline. With --write-baseline, writes \
            BASELINE/<scenario>/distribution.json instead of comparing.
            """)

    static let defaultSeedCount = 20

    @Argument(help: "Scenario files, or folders of them.")
    var paths: [String]

    @Option(help: "How many seeds (default: the baseline's seeds; \(defaultSeedCount) with --write-baseline).")
    var seeds: Int?

    @Option(help: "The first seed, when --seeds is given.")
    var from: UInt64 = 1

    @Option(help: "The folder of baseline distributions.")
    var baseline = "Reports/baselines"

    @Option(help: "Simulations run at once (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "How far a median may move before it counts, e.g. 10%.")
    var tolerance = "10%"

    @Option(help: "Changes of a median below this many milliseconds never count.")
    var floorMs = 1.0

    @Option(help: "Where gate.md, gate.html and the candidate's distribution.json go.")
    var out = "Reports/gate"

    @Flag(help: "Write the runs as the baseline (BASELINE/<scenario>/distribution.json) instead of comparing.")
    var writeBaseline = false

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be at least 1") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard floorMs >= 0 else { throw ValidationError("--floor-ms must not be negative") }
    }

    func run() throws {
        let started = ContinuousClock.now
        let fraction = try ToleranceOption.parse(tolerance)
        var plans: [(scenario: Scenario, seeds: [UInt64], baseline: SeedDistribution?)] = []
        for path in paths {
            for scenario in try ScenarioInput.load(path) {
                let base = writeBaseline ? nil : try loadBaseline(scenario.name)
                let chosen = seeds.map { count in (0..<UInt64(count)).map { from + $0 } }
                    ?? base?.seeds ?? (0..<UInt64(Self.defaultSeedCount)).map { from + $0 }
                plans.append((scenario, chosen, base))
            }
        }
        let jobs = plans.enumerated().flatMap { index, plan in plan.seeds.map { (plan: index, seed: $0) } }
        let pool = SimulationPool(threads: self.jobs, options: engine.simulationOptions)
        let runs = pool.run(jobs.map { (plans[$0.plan].scenario, $0.seed) }) { done, total, job, eta in
            "gate: \(done)/\(total) runs done (\(job.scenario.name) seed \(job.seed))"
                + (eta.map { ", \($0) left" } ?? "")
        }
        var failed = false
        var passing: [String] = []
        for (index, plan) in plans.enumerated() {
            let mine = zip(jobs, runs).filter { $0.0.plan == index }.map(\.1)
            let distribution = SeedDistribution(
                scenarioName: plan.scenario.name, scenarioFileHash: plan.scenario.fileHash,
                engineVersion: engine.simulationOptions.engineVersion, runs: mine)
            if writeBaseline {
                try write(distribution, to: baselineFile(plan.scenario.name))
                print("wrote \(baselineFile(plan.scenario.name).path): \(distribution.seeds.count) seeds, "
                    + "\(distribution.metrics.count) metrics, \(distribution.failures.count) failing seed(s)")
                continue
            }
            guard let base = plan.baseline else { continue }
            var comparison = DistributionComparison.compare(
                candidate: distribution, baseline: base, scenarioFile: plan.scenario.file, tolerance: fraction,
                floorMs: floorMs)
            comparison.runOptions = engine.arguments
            let folder = URL(fileURLWithPath: out).appendingPathComponent(plan.scenario.name)
            try write(distribution, to: folder.appendingPathComponent("distribution.json"))
            try write(Data(comparison.markdown.utf8), to: folder.appendingPathComponent("gate.md"))
            try write(Data(comparison.html.utf8), to: folder.appendingPathComponent("gate.html"))
            if comparison.passed {
                passing.append(comparison.summary)
            } else {
                failed = true
                print(comparison.summary + "  report: \(folder.path)/gate.html")
            }
        }
        for summary in passing { print(summary, terminator: "") }
        let elapsed = ContinuousClock.now - started
        let (whole, atto) = elapsed.components
        let seconds = String(format: "%.1f", Double(whole) + Double(atto) / 1e18)
        print("gate: \(runs.count) runs of \(plans.count) scenario(s) on \(self.jobs) thread(s) in \(seconds) s: "
            + (writeBaseline ? "baselines written" : failed ? "FAIL" : "PASS"))
        if failed { throw ExitCode(1) }
    }

    private func baselineFile(_ name: String) -> URL {
        URL(fileURLWithPath: baseline).appendingPathComponent(name).appendingPathComponent("distribution.json")
    }

    private func loadBaseline(_ name: String) throws -> SeedDistribution {
        let file = baselineFile(name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            FileHandleOutput.standardError(
                "\(file.path): no baseline for \(name) (write one with scripts/update-baselines.sh \(name))")
            throw ExitCode(2)
        }
        return try DistributionInput.load(file.path)
    }

    private func write(_ distribution: SeedDistribution, to file: URL) throws {
        try write(try distribution.jsonData(), to: file)
    }

    private func write(_ data: Data, to file: URL) throws { try FileOutput.write(data, to: file) }
}

/// Reads a `distribution.json`, turning any problem into exit code 2 with the file's name.
enum DistributionInput {
    static func load(_ path: String) throws -> SeedDistribution {
        do {
            return try SeedDistribution.decode(from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            FileHandleOutput.standardError("\(path): not a readable seed distribution: \(error)")
            throw ExitCode(2)
        }
    }
}
