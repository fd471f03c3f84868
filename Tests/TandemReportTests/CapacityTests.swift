import Foundation
import Testing
import TandemReport

/// The parts of `tandem capacity` that need no simulator: SLO and range parsing, the quantile across seeds, the
/// USL fit, the knee, the search on a synthetic system whose capacity is known, and the rendered plan.
@Suite struct CapacityTests {
    // MARK: The Universal Scalability Law

    static func usl(lambda: Double, sigma: Double, kappa: Double, _ n: Double) -> Double {
        lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
    }

    @Test(arguments: [(2.0, 0.05, 0.0002), (1.5, 0.02, 0.0), (0.8, 0.3, 0.001), (2.0, 0.0, 0.0005)])
    func theFitRecoversKnownCoefficientsFromExactData(lambda: Double, sigma: Double, kappa: Double) throws {
        let points = stride(from: 10.0, through: 2_000, by: 90).map {
            (load: $0, throughput: Self.usl(lambda: lambda, sigma: sigma, kappa: kappa, $0))
        }
        let fit = try #require(USLFit.fit(points))
        #expect(abs(fit.lambda - lambda) <= lambda * 1e-4)
        #expect(abs(fit.sigma - sigma) <= max(sigma * 1e-3, 1e-6))
        #expect(abs(fit.kappa - kappa) <= max(kappa * 1e-3, 1e-9))
        #expect(fit.rSquared > 0.999_999)
    }

    /// ±2 % of alternating noise: σ and κ within 10 %, λ within 3 %.
    @Test func theFitToleratesNoise() throws {
        let (lambda, sigma, kappa) = (2.0, 0.05, 0.0002)
        let points = stride(from: 10.0, through: 2_000, by: 40).enumerated().map { index, load in
            (load: load,
             throughput: Self.usl(lambda: lambda, sigma: sigma, kappa: kappa, load) * (index % 2 == 0 ? 1.02 : 0.98))
        }
        let fit = try #require(USLFit.fit(points))
        #expect(abs(fit.lambda - lambda) / lambda < 0.03)
        #expect(abs(fit.sigma - sigma) / sigma < 0.1)
        #expect(abs(fit.kappa - kappa) / kappa < 0.1)
        let peak = try #require(fit.peakLoad)
        #expect(abs(peak - ((1 - sigma) / kappa).squareRoot()) / peak < 0.1)
    }

    @Test func fewerThanThreeLoadsAreNotFitted() {
        #expect(USLFit.fit([(10, 5), (20, 9)]) == nil)
        #expect(USLFit.fit([(10, 5), (10, 6), (20, 9)]) == nil)
        #expect(USLFit.fit([(10, 0), (20, 0), (30, 0)]) == nil)
    }

    // MARK: Input

    @Test func anSLOReadsLikeAScenarioThreshold() throws {
        let plain = try CapacityInput.slo("latency.propagation.p99 < 100ms")
        #expect(plain == (try ThresholdSpec(metric: "latency.propagation.p99", expression: "< 100ms")))
        let scoped = try CapacityInput.slo("latency.ack.p99{phase: steady}<=0.2s")
        #expect(scoped.metric == "latency.ack.p99{phase: steady}")
        #expect(scoped.comparison == .lessThanOrEqual && scoped.limit == 200)
        let lower = try CapacityInput.slo("events.per_second.mean >= 50")
        #expect(!lower.isUpperLimit)
    }

    @Test(arguments: [
        ("latency.propagaton.p99 < 100ms",
         "unknown metric 'latency.propagaton.p99'; did you mean 'latency.propagation.p99'?"),
        ("latency.propagation.p99", "expected a metric, a comparison and a limit"),
        ("< 100ms", "no metric before '<'"),
        ("latency.propagation.p99 < fast", "cannot read"),
        ("reconnects < 5ms", "does not fit 'reconnects'"),
    ])
    func aBadSLOSaysWhatIsWrongOnOneLine(text: String, message: String) {
        #expect {
            _ = try CapacityInput.slo(text)
        } throws: { error in
            let description = String(describing: error)
            return description.contains(message) && description.hasPrefix("--slo '\(text)': ")
                && !description.contains("\n")
        }
    }

    @Test func rangesAreReadAndEmptyOrInvertedOnesRejected() throws {
        #expect(try CapacityInput.range("100..5000", "--users", max: 1_000_000) == 100...5000)
        #expect(try CapacityInput.range("4", "--nodes", max: 256) == 4...4)
        #expect(try CapacityInput.range("1_000..2,000", "--users", max: 1_000_000) == 1000...2000)
        for (text, message) in [
            ("5000..100", "the range is empty (5000 > 100)"), ("0..10", "must lie within 1..256"),
            ("1..300", "must lie within 1..256"), ("a..b", "expected a range like 100..5000"),
            ("1..2..3", "expected a range like 100..5000"), ("", "expected a range like 100..5000"),
        ] {
            #expect(throws: CapacityInputError("--nodes '\(text)': \(message)")) {
                try CapacityInput.range(text, "--nodes", max: 256)
            }
        }
    }

    @Test func seedsAreJudgedOnTheWorstOrAStatedQuantile() throws {
        let values: [Double?] = [10, 40, 20, 30]
        #expect(SeedQuantile.worst.aggregate(values, upper: true) == 40)
        #expect(SeedQuantile.worst.aggregate(values, upper: false) == 10)
        #expect(try SeedQuantile(parsing: "p50").aggregate(values, upper: true) == 20)
        #expect(try SeedQuantile(parsing: "p75").aggregate(values, upper: true) == 30)
        #expect(try SeedQuantile(parsing: "p75").aggregate(values, upper: false) == 20)
        // A seed without a value is the worst seed.
        #expect(SeedQuantile.worst.aggregate([10, nil], upper: true) == nil)
        #expect(try SeedQuantile(parsing: "p50").aggregate([10, nil], upper: true) == 10)
        #expect(try SeedQuantile(parsing: "p100") == .worst)
        #expect(throws: CapacityInputError.self) { try SeedQuantile(parsing: "p0") }
        #expect(throws: CapacityInputError.self) { try SeedQuantile(parsing: "median") }
    }

    // MARK: The knee

    @Test func theKneeIsWhereALineFromTheOriginTouchesTheCurve() throws {
        // Flat at 20 ms up to 400 users, then climbing fast: the tangent from the origin touches at 400.
        let curve = [(100, 20.0), (200, 20.5), (300, 21.0), (400, 22.0), (450, 60.0), (500, 400.0)]
        let knee = try #require(CapacityKnee.find(curve.map { (users: $0.0, latencyMs: $0.1) }))
        #expect(knee.users == 400 && knee.latencyMs == 22)
        // Still flat at the last point: no knee yet.
        #expect(CapacityKnee.find([(100, 20), (200, 20.5), (300, 21)]) == nil)
        #expect(CapacityKnee.find([(100, 20), (200, 90)]) == nil)
    }

    // MARK: The search, on a synthetic system

    static let slo = try! CapacityInput.slo("latency.propagation.p99 < 100ms")  // a valid SLO

    /// A point whose seeds all report `p99` for propagation.
    static func point(users: Int, nodes: Int, p99: Double, seeds: Int = 2) -> CapacityPoint {
        let runs = (1...UInt64(seeds)).map { seed -> SeedDistribution.Run in
            var report = Report(identity: RunIdentity(
                scenarioName: "synthetic", scenarioFileHash: "0", seed: seed, mode: .sim, engineVersion: "test"))
            report.latency.propagation = LatencySummary(count: 100, p50Ms: p99 / 2, p99Ms: p99 + Double(seed))
            report.latency.ack.overTime = [LatencyBucket(tMs: 0, p50Ms: 1, p99Ms: 1, count: UInt64(users * 10))]
            return .report(report)
        }
        return CapacityPoint(
            users: users, nodes: nodes, runs: runs, slos: [slo], quantile: .worst, latency: slo, trafficMs: 10_000)
    }

    /// An M/M/1-like latency: 20 ms at no load, unbounded as users reach 100 per node.
    static func latency(users: Int, nodes: Int) -> Double {
        let utilisation = Double(users) / (100 * Double(nodes))
        return utilisation >= 1 ? 10_000 : 20 / (1 - utilisation)
    }

    /// A point of the synthetic system.
    static func queueing(_ probe: (users: Int, nodes: Int)) -> CapacityPoint {
        point(users: probe.users, nodes: probe.nodes, p99: latency(users: probe.users, nodes: probe.nodes))
    }

    @Test func theSearchFindsTheLargestPassingLoadOfEachNodeCount() throws {
        var measured: [(users: Int, nodes: Int)] = []
        let search = CapacitySearch(users: 10...1_000, nodeCounts: [1, 2, 3, 4], precision: 0.02) { probes in
            measured += probes
            return probes.map(Self.queueing)
        }
        var outcome = try search.run()
        #expect(outcome.violations.isEmpty)
        for result in outcome.results {
            // 20/(1 − u/100n) + 2 (the worst seed) < 100 ⇔ u < 100n · (1 − 20/98).
            let exact = Double(100 * result.nodes) * (1 - 20.0 / 98)
            let capacity = try #require(result.capacity)
            let failing = try #require(result.firstFailing)
            #expect(Double(capacity) < exact && Double(failing) >= exact)
            #expect(Double(failing - capacity) <= max(1, 0.02 * Double(capacity)))
            #expect(result.points.first?.users == 10)
        }
        #expect(Set(measured.map { "\($0.nodes)/\($0.users)" }).count == measured.count)
        // Each node count's search is its own: searched alone, a node count measures the same loads and finds the
        // same capacity (what makes --shard possible).
        for result in outcome.results {
            let alone = try CapacitySearch(
                users: 10...1_000, nodeCounts: [result.nodes], precision: 0.02
            ) { $0.map(Self.queueing) }.run().results[0]
            #expect(alone == result)
        }

        let answer = try search.answer(&outcome, target: 200, latency: Self.slo)
        #expect(answer[0].hasPrefix("3 nodes hold 200 users at propagation.p99 "))
        #expect(answer[0].contains("; 2 nodes do not (propagation.p99 10002 ms at 200)"))
        #expect(answer[1].hasPrefix("1 node holds 79 users"))
    }

    @Test func moreNodesHoldingFewerUsersIsReportedNotHidden() throws {
        // Three nodes are worse than two (a broken cluster): they fail at two nodes' capacity.
        let search = CapacitySearch(users: 10...1_000, nodeCounts: [1, 2, 3], precision: 0.05) { probes in
            probes.map { probe in
                let nodes = probe.nodes == 3 ? 1 : probe.nodes
                return Self.point(
                    users: probe.users, nodes: probe.nodes, p99: Self.latency(users: probe.users, nodes: nodes))
            }
        }
        let outcome = try search.run()
        let two = try #require(outcome.results[1].capacity)
        let failing = try #require(outcome.results[2].firstFailing)
        #expect(failing < two)
        #expect(outcome.violations.count == 1)
        #expect(outcome.violations[0].hasPrefix("3 nodes failed at \(failing) users (latency.propagation.p99 < 100 ms: "))
        #expect(outcome.violations[0].hasSuffix(" ms), below the \(two) 2 nodes held"))
        // Failing exactly at the capacity of the node count before is worded so too.
        var results = outcome.results
        results[1].capacity = failing
        #expect(CapacitySearch.violations(results) == [
            outcome.violations[0].replacingOccurrences(of: "below the \(two) 2 nodes held", with: "which 2 nodes held"),
        ])
    }

    // MARK: Shards

    /// The plan of a synthetic search over `nodeCounts`, or a shard's file of it.
    static func plan(shard: Shard?, nodeCounts: [Int] = [1, 2, 3, 4, 5], target: Int? = nil) throws -> CapacityPlan {
        let search = CapacitySearch(
            users: 10...1_000, nodeCounts: CapacityPlan.nodeCounts(nodeCounts, shard: shard), precision: 0.05
        ) { $0.map(Self.queueing) }
        var plan = CapacityPlan(
            format: CapacityPlan.currentFormat, scenarioName: "synthetic", scenarioFile: "synthetic.yaml",
            scenarioFileHash: "0", engineVersion: "test", slos: [Self.slo.text], quantile: "worst", seeds: [1, 2],
            usersMin: 10, usersMax: 1_000, nodeCounts: nodeCounts, precision: 0.05, target: target, shard: shard,
            latencyMetric: Self.slo.metric, latencyLimitMs: 100, throughputMetric: "commits/s", results: [],
            monotonicityViolations: [], answer: [], pointCount: 0, runCount: 0, wallTimeMs: 0)
        plan.results = try search.run().results
        guard shard == nil else {
            plan.pointCount = plan.results.reduce(0) { $0 + $1.points.count }
            return plan
        }
        return try conclude(plan)
    }

    /// What `tandem capacity` and `tandem merge` do after the searches: analysis, violations, the answer.
    static func conclude(_ plan: CapacityPlan) throws -> CapacityPlan {
        let search = CapacitySearch(
            users: plan.usersMin...plan.usersMax, nodeCounts: plan.nodeCounts, precision: plan.precision
        ) { $0.map(Self.queueing) }
        let (outcome, answer) = try search.conclude(plan.results, target: plan.target, latency: Self.slo)
        var plan = plan
        plan.results = outcome.results
        plan.monotonicityViolations = outcome.violations
        plan.answer = answer
        plan.pointCount = outcome.results.reduce(0) { $0 + $1.points.count }
        return plan
    }

    @Test(arguments: [1, 2, 3, 5, 7]) func shardsMergedAreTheWholeSearch(count: Int) throws {
        let whole = try Self.plan(shard: nil, target: 300)
        let shards = try (1...count).map { try Self.plan(shard: Shard(index: $0, count: count), target: 300) }
        // Node count number k goes to shard k mod N + 1; a shard of more shards than node counts holds none.
        #expect(shards.map { $0.results.map(\.nodes) }.flatMap { $0 }.sorted() == [1, 2, 3, 4, 5])
        #expect(shards[0].results.first?.nodes == 1)
        let merged = try Self.conclude(CapacityPlan.merging(shards.reversed()))
        #expect(merged == whole)
        #expect(try merged.jsonData() == whole.jsonData())
        #expect(whole.answer[0].hasPrefix("4 nodes hold 300 users at propagation.p99 "))
    }

    @Test func shardsOfDifferentSearchesOrAMissingOneAreRefused() throws {
        let shards = try (1...3).map { try Self.plan(shard: Shard(index: $0, count: 3)) }
        #expect(throws: ShardError("a capacity search in 3 shards needs shards 1…3 once each (missing: 2)")) {
            try CapacityPlan.merging([shards[0], shards[2]])
        }
        #expect(throws: ShardError("a capacity search in 3 shards needs shards 1…3 once each (one is given twice)")) {
            try CapacityPlan.merging([shards[0], shards[1], shards[1], shards[2]])
        }
        var other = shards[1]
        other.precision = 0.1
        #expect(throws: ShardError(
            "capacity-shard-2-of-3.json is not a shard of the same capacity search as capacity-shard-1-of-3.json "
                + "(scenario, its bytes, profile, engine and its switches, SLOs, seeds, ranges, precision, probes, "
                + "target and shard count must all match)")) {
            try CapacityPlan.merging([shards[0], other, shards[2]])
        }
        let whole = try Self.plan(shard: nil)
        #expect(throws: ShardError("capacity.json of synthetic is a whole search, not a shard")) {
            try CapacityPlan.merging([whole])
        }
        var wrongSlice = shards[2]
        wrongSlice.results = shards[1].results
        #expect(throws: ShardError("capacity-shard-3-of-3.json holds node counts [2, 5], not its slice [3]")) {
            try CapacityPlan.merging([shards[0], shards[1], wrongSlice])
        }
    }

    @Test func aLoadThatFailsBelowOneThatPassesIsReported() throws {
        // Fails at the bottom of the range only (no samples at 10 users, say).
        let search = CapacitySearch(users: 10...1_000, nodeCounts: [1], precision: 0.05) { probes in
            probes.map { Self.point(users: $0.users, nodes: 1, p99: $0.users == 10 ? 500 : 20) }
        }
        let outcome = try search.run()
        #expect(outcome.results[0].capacity == nil && outcome.results[0].firstFailing == 10)
        #expect(outcome.violations.count == 1)
        #expect(outcome.violations[0].hasPrefix(
            "1 node failed at 10 users (latency.propagation.p99 < 100 ms: 502 ms) but passed at "))
    }

    @Test func theTopOfTheRangeIsMeasuredWhenTheBracketReachesIt() throws {
        let search = CapacitySearch(users: 10...1_000, nodeCounts: [1], precision: 0.05) { probes in
            probes.map { Self.point(users: $0.users, nodes: 1, p99: 20) }
        }
        var outcome = try search.run()
        #expect(outcome.results[0].capacity == 1_000 && outcome.results[0].firstFailing == nil)
        let answer = try search.answer(&outcome, target: nil, latency: Self.slo)
        #expect(answer[0] == "1 node holds at least 1,000 users at propagation.p99 22 ms (the top of --users).")
    }

    // MARK: The written plan

    @Test func thePlanRendersItsTablesChartsAndAnswer() throws {
        let search = CapacitySearch(users: 10...1_000, nodeCounts: [1, 2], precision: 0.05) { probes in
            probes.map(Self.queueing)
        }
        var outcome = try search.run()
        outcome.results = CapacitySearch.analyse(outcome.results)
        let answer = try search.answer(&outcome, target: nil, latency: Self.slo)
        #expect(outcome.results.allSatisfy { $0.knee != nil && $0.usl != nil })
        let plan = CapacityPlan(
            format: CapacityPlan.currentFormat, scenarioName: "synthetic", scenarioFile: "synthetic.yaml",
            scenarioFileHash: "0", engineVersion: "test", slos: [Self.slo.text], quantile: "worst", seeds: [1, 2],
            usersMin: 10, usersMax: 1_000, nodeCounts: [1, 2], precision: 0.05, latencyMetric: Self.slo.metric,
            latencyLimitMs: 100, throughputMetric: "commits/s", results: outcome.results, monotonicityViolations: [],
            answer: answer, pointCount: 0, runCount: 0, wallTimeMs: 0)
        let html = plan.html
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count == 3)
        #expect(html.contains("aria-label=\"latency.propagation.p99 against users per node count\""))
        #expect(html.contains("aria-label=\"throughput against users with the USL fit\""))
        #expect(html.contains("<line class=\"slo\""))
        #expect(html.components(separatedBy: "<circle class=\"knee ").count == 3)
        #expect(html.components(separatedBy: "<polyline class=\"fit ").count == 3)
        #expect(html.contains(answer[0].replacingOccurrences(of: "'", with: "&#39;")))
        let markdown = plan.markdown
        #expect(markdown.hasPrefix("# Capacity: synthetic\n\n**\(answer[0])**\n"))
        #expect(markdown.contains(
            "| users | p50 ms | p99 ms | commits/s | deliveries/s | latency.propagation.p99 < 100 ms | result |"))
        #expect(try CapacityPlan.decode(from: plan.jsonData()) == plan)
    }

    /// `--verify-live`'s comparison: how far the prediction was from the live measurement, relative to the latter.
    @Test func aVerificationSaysHowFarThePredictionWasFromLive() {
        let verification = CapacityVerification(
            users: 200, nodes: 2, seed: 1, report: "/tmp/live", predicted: Self.point(users: 200, nodes: 2, p99: 54),
            measured: Self.point(users: 200, nodes: 2, p99: 119, seeds: 1))
        // Predicted: the worst of two seeds, 56 ms; measured 120 ms: 53 % low.
        #expect(verification.summary(latencyMetric: "latency.propagation.p99")
            == "Live at 2 nodes × 200 users: propagation.p99 120 ms (predicted 56 ms, −53 % off); live did not hold: "
                + "latency.propagation.p99 < 100 ms: 120 ms.")
        let rows = verification.rows(slos: ["latency.propagation.p99 < 100ms"])
        #expect(rows.map(\.first) == [
            "SLO latency.propagation.p99 < 100ms", "propagation p50", "propagation p99", "commits per second",
            "deliveries per second", "passes every SLO and check",
        ])
        #expect(rows[2] == ["propagation p99", "56 ms", "120 ms", "−53 %"])
        #expect(rows.last == ["passes every SLO and check", "yes", "no", ""])
    }
}
