import Foundation
import TandemReport
import TandemScenario
import TandemSim

/// Measures the points of a capacity search in the simulator — the scenario rewritten to each (users, nodes),
/// several seeds each, on a pool of threads — and turns a search's results into the plan. Shared by
/// `tandem capacity` and by `tandem merge` of its shards (which measures the one or two points the answer quotes).
struct CapacityMeasurer {
    /// The scenario with the SLOs among its thresholds, so that the reports hold the windows scoped ones read.
    let scenario: Scenario
    let slos: [ThresholdSpec]
    let quantile: SeedQuantile
    let seeds: [UInt64]
    /// The latency of the charts, the table and the knee: the first SLO on a latency, else propagation p99.
    let latency: ThresholdSpec
    /// The scenario's `duration` in ms, over which throughput is counted.
    let trafficMs: Double
    let pool: SimulationPool
    let progress: CapacityProgress
    /// Who speaks in errors: `tandem capacity` or `tandem merge`.
    let command: String

    /// `inProcess`: run the simulations on this process's threads instead of in worker processes
    /// (`tandem capacity-worker`, one per thread: a simulation that traps fails its point, not the search).
    init(
        scenario: Scenario, slos: [ThresholdSpec], quantile: SeedQuantile, seeds: [UInt64], jobs: Int,
        options: SimulationOptions, inProcess: Bool = false, command: String = "tandem capacity"
    ) {
        let scenario = Self.withSLOs(scenario, slos)
        self.scenario = scenario
        self.slos = slos
        self.quantile = quantile
        self.seeds = seeds
        latency = slos.first { $0.unit == .milliseconds }
            ?? (try! ThresholdSpec(metric: "latency.propagation.p99", expression: "0"))  // a known metric
        trafficMs = Double(scenario.duration.components.seconds) * 1_000
            + Double(scenario.duration.components.attoseconds) / 1e15
        let worker = ["capacity-worker", scenario.file, "--expect-hash", scenario.fileHash]
            + (scenario.profile.map { ["--profile", $0.file, "--expect-profile-hash", $0.hash] } ?? [])
            + options.arguments + slos.flatMap { ["--slo", $0.text] }
        pool = SimulationPool(
            threads: jobs, options: options, workers: inProcess ? nil : SimulationWorkers(arguments: worker))
        progress = CapacityProgress(seedCount: seeds.count)
        self.command = command
    }

    /// The scenario with the SLOs among its thresholds, so that the reports hold the windows scoped ones read.
    static func withSLOs(_ scenario: Scenario, _ slos: [ThresholdSpec]) -> Scenario {
        var scenario = scenario
        scenario.expectations += slos.filter { !scenario.expectations.contains($0) }
        return scenario
    }

    /// One point from its runs.
    func point(users: Int, nodes: Int, runs: [SeedDistribution.Run]) -> CapacityPoint {
        CapacityPoint(
            users: users, nodes: nodes, runs: runs, slos: slos, quantile: quantile, latency: latency,
            trafficMs: trafficMs)
    }

    /// Every seed of every probe, all at once; the largest simulations are started first, so that a round mixing
    /// sizes does not end waiting on a big one started last (the outcomes keep the probes' order).
    func measure(_ probes: [(users: Int, nodes: Int)]) -> [CapacityPoint] {
        let jobs = probes.flatMap { probe in
            // Checked before the search: every size in the ranges can be built.
            let sized = try! scenario.scaled(users: probe.users, nodes: probe.nodes)
            return seeds.map { (scenario: sized, seed: $0) }
        }
        let users = probes.flatMap { probe in seeds.map { _ in probe.users } }
        let order = jobs.indices.sorted { (users[$0], $1) > (users[$1], $0) }
        let runs = pool.run(order.map { jobs[$0] }, endLine: false) { done, total, _, _ in progress.line(done, total) }
        var outcomes = [SeedDistribution.Run?](repeating: nil, count: jobs.count)
        for (position, index) in order.enumerated() { outcomes[index] = runs[position] }
        progress.finished(points: probes.count)
        return probes.enumerated().map { index, probe in
            point(
                users: probe.users, nodes: probe.nodes,
                runs: outcomes[(index * seeds.count)..<((index + 1) * seeds.count)].map { $0! })
        }
    }

    /// The search `plan` describes, over `nodeCounts` (all of the plan's, or a shard's slice), measuring here.
    func search(_ plan: CapacityPlan, nodeCounts: [Int]) -> CapacitySearch {
        var search = CapacitySearch(
            users: plan.usersMin...plan.usersMax, nodeCounts: nodeCounts, precision: plan.precision,
            probesPerRound: plan.probesPerRound, measure: measure)
        search.willMeasure = { probes, remaining in progress.round(probes, then: remaining) }
        return search
    }

    /// `plan` with the whole search's findings: every node count's results (knee, USL), the violations, the answer
    /// (measuring the points it quotes), the size and the wall time since `started`; and the point the answer
    /// recommends.
    func conclude(_ plan: CapacityPlan, results: [NodeCountResult], search: CapacitySearch, started: ContinuousClock.Instant)
        throws -> (plan: CapacityPlan, recommended: CapacityPoint?)
    {
        let (outcome, answer) = try search.conclude(results, target: plan.target, latency: latency)
        FileHandleOutput.endProgress()
        var plan = plan
        plan.results = outcome.results
        plan.monotonicityViolations = outcome.violations
        plan.answer = answer
        plan.pointCount = outcome.results.reduce(0) { $0 + $1.points.count }
        plan.runCount = plan.pointCount * seeds.count
        plan.wallTimeMs += SimulationPool.seconds(ContinuousClock.now - started) * 1_000  // determinism: ok
        return (plan, outcome.recommended)
    }

    /// The latency metric's summary at a point, as the answer words it ("propagation.p99 62 ms").
    var latencyText: (CapacityPoint?) -> String { CapacitySearch.words(latency) }

    /// Runs `point` live with `tandem-live` (its progress and summary on this terminal) and reads its report back:
    /// the scenario file as given, the first seed, the broken-engine switches the live servers have.
    func verifyLive(_ point: CapacityPoint?, under folder: URL) throws -> CapacityVerification? {
        guard let point else {
            print("--verify-live: no point to verify (no node count holds the load)")
            return nil
        }
        let seed = seeds[0]
        let live = try LiveHandover.binary(for: "\(command) --verify-live")
        let out = folder.appendingPathComponent("verify-live")
        var arguments = ["run", scenario.file, "--users", String(point.users), "--nodes", String(point.nodes),
                         "--seed", String(seed), "--out", out.path]
        if pool.options.ackBeforePersist { arguments.append("--ack-before-persist") }
        if !pool.options.presenceExpiry { arguments.append("--no-presence-expiry") }
        FileHandleOutput.standardError(
            "\(command): verifying live: \(point.users) users on \(point.nodes) node(s), seed \(seed)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: live)
        process.arguments = arguments
        do {
            try process.run()
        } catch {
            fail("--verify-live: cannot start \(live): \(error)")
        }
        process.waitUntilExit()
        // 0: the live run passed its checks; 1: it ran and something failed, which the comparison shows.
        guard process.terminationReason == .exit, [0, 1].contains(process.terminationStatus) else {
            fail("--verify-live: tandem-live \(arguments.joined(separator: " ")) ended with status "
                + "\(process.terminationStatus); see its messages above")
        }
        let reportFolder = out.appendingPathComponent(scenario.name).appendingPathComponent(String(seed))
        let report: Report
        do {
            report = try Report.decode(from: Data(contentsOf: reportFolder.appendingPathComponent("report.json")))
        } catch {
            fail("--verify-live: cannot read the live report in \(reportFolder.path): \(error)")
        }
        return CapacityVerification(
            users: point.users, nodes: point.nodes, seed: seed, report: reportFolder.path, predicted: point,
            measured: self.point(users: point.users, nodes: point.nodes, runs: [.report(report)]))
    }

    func fail(_ message: String) -> Never {
        FileHandleOutput.standardError("\(command): \(message)")
        Foundation.exit(2)
    }
}
