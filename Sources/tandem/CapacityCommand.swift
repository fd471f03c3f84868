import ArgumentParser
import Foundation
import Synchronization
import TandemReport
import TandemScenario
import TandemSim

/// `tandem capacity`: the largest load each node count holds within the SLOs, searched in the simulator.
struct CapacityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Find how many users each node count holds within SLOs, the knee of latency and the USL fit.",
        discussion: """
            For each node count, rewrites the scenario to U users (every group scaled in proportion, ramps too) on \
            that many nodes and bisects on U, several seeds per point, for the largest load that meets every \
            --slo (judged on the worst seed, or --quantile pXX across seeds; a checker failure in any seed fails \
            the point). Each node count is searched on its own, all of them in lockstep, every round's simulations \
            in parallel. Writes OUT/capacity.{json,md,html}; see docs/capacity.md. With --shard I/N, searches every \
            N-th node count and writes OUT/capacity-shard-I-of-N.json: `tandem merge` of the N files writes the \
            plan. Exit codes: 0 the search ran, 2 bad input.
            """)

    @Argument(help: "A scenario file.")
    var path: String

    @Option(help: "An SLO like \"latency.propagation.p99 < 100ms\" (metrics as in a scenario's expect:); repeatable.")
    var slo: [String] = []

    @Option(help: "The range of users to search, e.g. 100..5000.")
    var users: String

    @Option(help: "The node counts to search, e.g. 1..8.")
    var nodes = "1"

    @Option(help: "Seeds per point.")
    var seeds = 3

    @Option(help: "The first seed.")
    var from: UInt64 = 1

    @Option(help: "How seeds are judged: worst, or pXX across seeds (e.g. p90).")
    var quantile = "worst"

    @Option(help: "Stop when the passing and failing loads are this close, e.g. 5%.")
    var precision = "5%"

    @Option(help: "Answer for this many users: the fewest nodes that hold them (default: the largest capacity found).")
    var target: Int?

    @Option(help: "Simulations run at once (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Where capacity.{json,md,html} go (default: Reports/capacity/<scenario>).")
    var out: String?

    @Flag(help: ArgumentHelp(
        "Run the recommended point live (tandem-live run --users U --nodes N) and put it beside the prediction.",
        discussion: "Real tandem-server processes, and Redis and a throwaway PostgreSQL for several nodes, on this "
            + "machine; the live report goes to OUT/verify-live/, the comparison into capacity.{json,md,html}."))
    var verifyLive = false

    @OptionGroup var engine: EngineOptions

    @OptionGroup var profileOption: ProfileOption

    @Flag(help: ArgumentHelp(
        "Run the simulations on this process's threads, not in worker processes (where a simulation that traps "
            + "fails its point instead of the search); the plan is the same."))
    var inProcess = false

    @Option(help: "Loads measured per node count and round (more: fewer rounds, more points).")
    var probes = 1

    @Option(help: ArgumentHelp(
        "Search only the I-th of N slices of the node counts (node count number k from 0 goes to shard k mod N + 1) "
            + "and write capacity-shard-I-of-N.json; `tandem merge` of all N writes the whole plan."))
    var shard: String?

    func run() throws {
        let started = ContinuousClock.now  // determinism: ok (the search's wall time)
        let input = try parseInput()
        let scenarios = try ScenarioInput.load(path, profile: profileOption.profile)
        guard let scenario = scenarios.first, scenarios.count == 1 else {
            Self.fail("\(path): capacity takes one scenario file, found \(scenarios.count) scenarios")
        }
        try check(scenario, input)
        let measurer = CapacityMeasurer(
            scenario: scenario, slos: input.slos, quantile: input.quantile, seeds: (0..<UInt64(seeds)).map { from + $0 },
            jobs: jobs, options: engine.simulationOptions, inProcess: inProcess)
        var plan = CapacityPlan(
            format: CapacityPlan.currentFormat, scenarioName: scenario.name, scenarioFile: scenario.file,
            scenarioFileHash: scenario.fileHash, engineVersion: engine.simulationOptions.engineVersion,
            engineOptions: engine.arguments, profile: scenario.profile.map { ProfileIdentity(file: $0.file, hash: $0.hash) },
            slos: input.slos.map(\.text), quantile: input.quantile.description, seeds: measurer.seeds,
            usersMin: input.users.lowerBound, usersMax: input.users.upperBound, nodeCounts: Array(input.nodes),
            precision: input.precision, probesPerRound: probes, target: target, shard: input.shard,
            latencyMetric: measurer.latency.metric,
            latencyLimitMs: input.slos.first { $0.metric == measurer.latency.metric }?.limit,
            throughputMetric: "acknowledged changes per second of traffic (latency.ack samples before `duration`)",
            results: [], monotonicityViolations: [], answer: [], pointCount: 0, runCount: 0, wallTimeMs: 0)
        let search = measurer.search(plan, nodeCounts: CapacityPlan.nodeCounts(plan.nodeCounts, shard: input.shard))
        let results = try search.run().results
        let folder = URL(fileURLWithPath: out ?? "Reports/capacity/\(scenario.name)")
        guard let shard = input.shard else {
            let recommended: CapacityPoint?
            (plan, recommended) = try measurer.conclude(plan, results: results, search: search, started: started)
            if verifyLive {
                plan.verification = try measurer.verifyLive(recommended, under: folder)
            }
            return try Self.write(plan, to: folder, threads: jobs)
        }
        FileHandleOutput.endProgress()
        plan.results = results
        plan.monotonicityViolations = CapacitySearch.violations(results)
        plan.pointCount = results.reduce(0) { $0 + $1.points.count }
        plan.runCount = plan.pointCount * measurer.seeds.count
        plan.wallTimeMs = SimulationPool.seconds(ContinuousClock.now - started) * 1_000  // determinism: ok
        let file = folder.appendingPathComponent(CapacityPlan.fileName(shard: shard))
        try FileOutput.write(try plan.jsonData(), to: file)
        for result in results { print(search.sentence(result, at: measurer.latencyText)) }
        for violation in plan.monotonicityViolations { print("  monotonicity: \(violation)") }
        let counts = results.isEmpty
            ? "no node count (more shards than node counts)"
            : "node counts \(results.map { String($0.nodes) }.joined(separator: ", "))"
        print("capacity shard \(shard): \(counts), "
            + "\(plan.pointCount) points, \(plan.runCount) runs in "
            + String(format: "%.1f", plan.wallTimeMs / 1_000) + " s; wrote \(file.path) "
            + "(tandem merge of all \(shard.count) shards' files writes the plan)")
    }

    /// Writes `capacity.{json,md,html}` into `folder` and prints the answer, the check live, the violations and
    /// the search's size.
    static func write(_ plan: CapacityPlan, to folder: URL, threads: Int) throws {
        try FileOutput.write(try plan.jsonData(), to: folder.appendingPathComponent("capacity.json"))
        try FileOutput.write(Data(plan.markdown.utf8), to: folder.appendingPathComponent("capacity.md"))
        try FileOutput.write(Data(plan.html.utf8), to: folder.appendingPathComponent("capacity.html"))
        for line in plan.answer { print(line) }
        if let verification = plan.verification { print(verification.summary(latencyMetric: plan.latencyMetric)) }
        for violation in plan.monotonicityViolations { print("  monotonicity: \(violation)") }
        print("capacity: \(plan.pointCount) points, \(plan.runCount) runs on \(threads) thread(s) in "
            + String(format: "%.1f", plan.wallTimeMs / 1_000) + " s; report: \(folder.path)/capacity.html")
    }

    struct Input {
        var slos: [ThresholdSpec]
        var users: ClosedRange<Int>
        var nodes: ClosedRange<Int>
        var quantile: SeedQuantile
        var precision: Double
        var shard: Shard?
    }

    /// Every option read, or a one-line error and exit code 2.
    func parseInput() throws -> Input {
        var slice: Shard?
        if let shard {
            do { slice = try Shard(parsing: shard) } catch { Self.fail(error.description) }
            if verifyLive {
                Self.fail("--verify-live needs the whole search's answer: give it to `tandem merge`, which runs it")
            }
        }
        if verifyLive {
            if engine.noGapRecovery || engine.wire {
                Self.fail("--no-gap-recovery and --wire are the simulator's; the live run has the servers' own")
            }
            // Before the search, so that a missing binary is not found out only at its end.
            _ = try LiveHandover.binary(for: "tandem capacity --verify-live")
        }
        guard !slo.isEmpty else { Self.fail("give at least one --slo, e.g. --slo \"latency.propagation.p99 < 100ms\"") }
        guard seeds >= 1 else { Self.fail("--seeds must be at least 1") }
        guard jobs >= 1 else { Self.fail("--jobs must be at least 1") }
        guard probes >= 1 else { Self.fail("--probes must be at least 1") }
        do {
            let precision = try ReportComparison.parseTolerance(self.precision)
            guard precision > 0, precision < 1 else {
                throw CapacityInputError("--precision must lie between 0 and 100%")
            }
            let users = try CapacityInput.range(users, "--users", max: PopulationGroup.userCountMax)
            if let target, !users.contains(target) {
                throw CapacityInputError(
                    "--target \(target) lies outside --users \(users.lowerBound)..\(users.upperBound)")
            }
            return Input(
                slos: try slo.map { text throws(CapacityInputError) in try CapacityInput.slo(text) },
                users: users,
                nodes: try CapacityInput.range(nodes, "--nodes", max: Topology.nodeCountMax),
                quantile: try SeedQuantile(parsing: quantile), precision: precision, shard: slice)
        } catch let error as CapacityInputError {
            Self.fail(error.message)
        } catch {
            Self.fail("--precision: \(error)")
        }
    }

    /// The scenario can be built at every size searched, and the SLOs' scopes exist in it.
    func check(_ scenario: Scenario, _ input: Input) throws {
        do {
            _ = try scenario.scaled(users: input.users.lowerBound, nodes: input.nodes.lowerBound)
        } catch {
            Self.fail("\(path): cannot search from \(input.users.lowerBound) users on \(input.nodes.lowerBound) "
                + "node(s): \(error.message)")
        }
        for spec in input.slos {
            if let node = spec.scope?.node, (NodeID(name: node)?.number ?? .max) > input.nodes.lowerBound {
                Self.fail("--slo '\(spec.text)': \(node) does not exist with \(input.nodes.lowerBound) node(s)")
            }
            if let group = spec.scope?.group, scenario.group(named: group) == nil {
                Self.fail("--slo '\(spec.text)': \(path) has no group '\(group)'")
            }
            if let time = spec.scope?.time, scenario.faults.isEmpty {
                if case .phase = time {} else {
                    Self.fail("--slo '\(spec.text)': \(path) injects no faults, so the scope holds nothing")
                }
            }
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandleOutput.standardError("tandem capacity: \(message)")
        Foundation.exit(2)
    }
}

/// The capacity search's progress line: the round being measured, how many runs are done, and an ETA. A
/// simulation's cost grows with its users, so the ETA is the wall time per user-simulation so far times the
/// user-simulations the search estimates are left.
final class CapacityProgress: Sendable {
    private struct State {
        var round = 0
        var probes: [(users: Int, nodes: Int)] = []
        var remaining = CapacitySearch.Remaining.none
        var pointsDone = 0
        /// Users summed over the simulations of finished rounds.
        var userRunsDone = 0
    }

    private let seedCount: Int
    private let started = ContinuousClock.now  // determinism: ok (ETA only)
    private let state = Mutex(State())

    init(seedCount: Int) { self.seedCount = seedCount }

    func round(_ probes: [(users: Int, nodes: Int)], then remaining: CapacitySearch.Remaining) {
        state.withLock {
            $0.round += 1
            $0.probes = probes
            $0.remaining = remaining
        }
    }

    func finished(points: Int) {
        state.withLock {
            $0.pointsDone += points
            $0.userRunsDone += $0.probes.reduce(0) { $0 + $1.users } * seedCount
        }
    }

    func line(_ done: Int, _ total: Int) -> String {
        let state = state.withLock { $0 }
        let elapsed = SimulationPool.seconds(ContinuousClock.now - started)  // determinism: ok (ETA only)
        let batch = Double(state.probes.reduce(0) { $0 + $1.users } * seedCount)
        let fraction = Double(done) / Double(max(total, 1))
        let userRunsDone = Double(state.userRunsDone) + batch * fraction
        let userRunsLeft = batch * (1 - fraction) + Double(state.remaining.users * seedCount)
        func span(_ values: [Int]) -> String {
            let low = NumberText.grouped(values.min() ?? 0)
            let high = NumberText.grouped(values.max() ?? 0)
            return low == high ? low : "\(low)–\(high)"
        }
        let nodes = state.probes.map(\.nodes)
        let points = state.probes.count == 1 ? "1 point" : "\(state.probes.count) points"
        return "capacity: round \(state.round), \(points) (\(span(state.probes.map(\.users))) users on "
            + "\(span(nodes)) node\(nodes.allSatisfy { $0 == 1 } ? "" : "s")): \(done)/\(total) runs; "
            + "\(state.pointsDone) points done, about \(state.remaining.points) to go, ETA "
            + SimulationPool.duration(elapsed / max(userRunsDone, 1) * userRunsLeft)
    }
}
