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
            the point). Writes OUT/capacity.{json,md,html}; see docs/capacity.md. Exit codes: 0 the search ran, \
            2 bad input.
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

    func run() throws {
        let started = ContinuousClock.now  // determinism: ok (the search's wall time)
        let input = try parseInput()
        let scenarios = try ScenarioInput.load(path, profile: profileOption.profile)
        guard var scenario = scenarios.first, scenarios.count == 1 else {
            Self.fail("\(path): capacity takes one scenario file, found \(scenarios.count) scenarios")
        }
        try check(scenario, input)
        // The runs evaluate the SLOs as thresholds too, so that the report holds the windows scoped ones read.
        scenario.expectations += input.slos.filter { !scenario.expectations.contains($0) }
        let latency = input.slos.first { $0.unit == .milliseconds }
            ?? (try! ThresholdSpec(metric: "latency.propagation.p99", expression: "0"))  // a known metric
        let seedList = (0..<UInt64(seeds)).map { from + $0 }
        let progress = CapacityProgress(seedCount: seeds)
        let pool = SimulationPool(threads: jobs, options: engine.simulationOptions)
        let trafficMs = Double(scenario.duration.components.seconds) * 1_000
            + Double(scenario.duration.components.attoseconds) / 1e15
        var search = CapacitySearch(
            users: input.users, nodeCounts: Array(input.nodes), precision: input.precision,
            probesPerRound: max(1, jobs / max(seeds, 1))
        ) { probes in
            let jobs = probes.flatMap { probe in
                // Checked in `check`: every size in the ranges can be built.
                let sized = try! scenario.scaled(users: probe.users, nodes: probe.nodes)
                return seedList.map { (scenario: sized, seed: $0) }
            }
            let runs = pool.run(jobs, endLine: false) { done, total, _, _ in progress.line(done, total) }
            progress.finished(points: probes.count)
            return probes.enumerated().map { index, probe in
                CapacityPoint(
                    users: probe.users, nodes: probe.nodes,
                    runs: Array(runs[(index * seedList.count)..<((index + 1) * seedList.count)]), slos: input.slos,
                    quantile: input.quantile, latency: latency, trafficMs: trafficMs)
            }
        }
        search.willMeasure = { nodes, users, remaining in progress.round(nodes: nodes, users: users, then: remaining) }
        var outcome = try search.run()
        outcome.results = CapacitySearch.analyse(outcome.results)
        let answer = try search.answer(&outcome, target: target, latency: latency)
        FileHandleOutput.endProgress()
        let points = outcome.results.reduce(0) { $0 + $1.points.count }
        var plan = CapacityPlan(
            format: CapacityPlan.currentFormat, scenarioName: scenario.name, scenarioFile: scenario.file,
            scenarioFileHash: scenario.fileHash, engineVersion: engine.simulationOptions.engineVersion,
            slos: input.slos.map(\.text), quantile: input.quantile.description, seeds: seedList,
            usersMin: input.users.lowerBound, usersMax: input.users.upperBound, nodeCounts: Array(input.nodes),
            precision: input.precision, latencyMetric: latency.metric,
            latencyLimitMs: input.slos.first { $0.metric == latency.metric }?.limit,
            throughputMetric: "acknowledged changes per second of traffic (latency.ack samples before `duration`)",
            results: outcome.results, monotonicityViolations: outcome.violations, answer: answer,
            pointCount: points, runCount: points * seedList.count,
            wallTimeMs: SimulationPool.seconds(ContinuousClock.now - started) * 1_000)  // determinism: ok
        let folder = URL(fileURLWithPath: out ?? "Reports/capacity/\(scenario.name)")
        if verifyLive {
            plan.verification = try verify(outcome.recommended, scenario: scenario, input: input, latency: latency,
                                           trafficMs: trafficMs, under: folder)
        }
        try FileOutput.write(try plan.jsonData(), to: folder.appendingPathComponent("capacity.json"))
        try FileOutput.write(Data(plan.markdown.utf8), to: folder.appendingPathComponent("capacity.md"))
        try FileOutput.write(Data(plan.html.utf8), to: folder.appendingPathComponent("capacity.html"))
        for line in answer { print(line) }
        if let verification = plan.verification { print(verification.summary(latencyMetric: latency.metric)) }
        for violation in outcome.violations { print("  monotonicity: \(violation)") }
        print("capacity: \(points) points, \(plan.runCount) runs on \(jobs) thread(s) in "
            + String(format: "%.1f", plan.wallTimeMs / 1_000) + " s; report: \(folder.path)/capacity.html")
    }

    struct Input {
        var slos: [ThresholdSpec]
        var users: ClosedRange<Int>
        var nodes: ClosedRange<Int>
        var quantile: SeedQuantile
        var precision: Double
    }

    /// Every option read, or a one-line error and exit code 2.
    func parseInput() throws -> Input {
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
                quantile: try SeedQuantile(parsing: quantile), precision: precision)
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

    /// Runs `point` live with `tandem-live` (its progress and summary on this terminal) and reads its report back.
    func verify(
        _ point: CapacityPoint?, scenario: Scenario, input: Input, latency: ThresholdSpec, trafficMs: Double,
        under folder: URL
    ) throws -> CapacityVerification? {
        guard let point else {
            print("--verify-live: no point to verify (no node count holds the load)")
            return nil
        }
        let live = try LiveHandover.binary(for: "tandem capacity --verify-live")
        let out = folder.appendingPathComponent("verify-live")
        var arguments = ["run", path, "--users", String(point.users), "--nodes", String(point.nodes),
                         "--seed", String(from), "--out", out.path]
        if engine.ackBeforePersist { arguments.append("--ack-before-persist") }
        if engine.noPresenceExpiry { arguments.append("--no-presence-expiry") }
        FileHandleOutput.standardError(
            "tandem capacity: verifying live: \(point.users) users on \(point.nodes) node(s), seed \(from)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: live)
        process.arguments = arguments
        do {
            try process.run()
        } catch {
            Self.fail("--verify-live: cannot start \(live): \(error)")
        }
        process.waitUntilExit()
        // 0: the live run passed its checks; 1: it ran and something failed, which the comparison shows.
        guard process.terminationReason == .exit, [0, 1].contains(process.terminationStatus) else {
            Self.fail("--verify-live: tandem-live \(arguments.joined(separator: " ")) ended with status "
                + "\(process.terminationStatus); see its messages above")
        }
        let reportFolder = out.appendingPathComponent(scenario.name).appendingPathComponent(String(from))
        let report: Report
        do {
            report = try Report.decode(from: Data(contentsOf: reportFolder.appendingPathComponent("report.json")))
        } catch {
            Self.fail("--verify-live: cannot read the live report in \(reportFolder.path): \(error)")
        }
        let measured = CapacityPoint(
            users: point.users, nodes: point.nodes, runs: [.report(report)], slos: input.slos,
            quantile: input.quantile, latency: latency, trafficMs: trafficMs)
        return CapacityVerification(
            users: point.users, nodes: point.nodes, seed: from, report: reportFolder.path, predicted: point,
            measured: measured)
    }

    static func fail(_ message: String) -> Never {
        FileHandleOutput.standardError("tandem capacity: \(message)")
        Foundation.exit(2)
    }
}

/// The capacity search's progress line: the point being measured, how many are done, and an ETA. A simulation's
/// cost grows with its users, so the ETA is the wall time per user-simulation so far times the user-simulations
/// the search estimates are left.
final class CapacityProgress: Sendable {
    private struct State {
        var nodes = 0
        var users: [Int] = []
        var remaining = CapacitySearch.Remaining.none
        var pointsDone = 0
        /// Users summed over the simulations of finished rounds.
        var userRunsDone = 0
    }

    private let seedCount: Int
    private let started = ContinuousClock.now  // determinism: ok (ETA only)
    private let state = Mutex(State())

    init(seedCount: Int) { self.seedCount = seedCount }

    func round(nodes: Int, users: [Int], then remaining: CapacitySearch.Remaining) {
        state.withLock {
            $0.nodes = nodes
            $0.users = users
            $0.remaining = remaining
        }
    }

    func finished(points: Int) {
        state.withLock {
            $0.pointsDone += points
            $0.userRunsDone += $0.users.reduce(0, +) * seedCount
        }
    }

    func line(_ done: Int, _ total: Int) -> String {
        let state = state.withLock { $0 }
        let elapsed = SimulationPool.seconds(ContinuousClock.now - started)  // determinism: ok (ETA only)
        let batch = Double(state.users.reduce(0, +) * seedCount)
        let fraction = Double(done) / Double(max(total, 1))
        let userRunsDone = Double(state.userRunsDone) + batch * fraction
        let userRunsLeft = batch * (1 - fraction) + Double(state.remaining.users * seedCount)
        let users = state.users.map(String.init).joined(separator: ", ")
        return "capacity: \(state.nodes) node(s), \(users) users: \(done)/\(total) runs; \(state.pointsDone) points "
            + "done, about \(state.remaining.points) to go, ETA "
            + SimulationPool.duration(elapsed / max(userRunsDone, 1) * userRunsLeft)
    }
}
