import Foundation
import TandemRuntime
import Testing

@testable import TandemReport

/// Seed distributions and the gate's verdict on them, from fixture reports whose latencies are set per seed.
@Suite struct DistributionComparisonTests {
    /// The fixture run as seed `seed`, with every ack and propagation percentile at `commit` ms plus a small
    /// per-seed spread (`seed % 5` × 0.4 ms), presence left as it is.
    static func run(seed: UInt64, commit: Double = 40, lostWrite: Bool = false) -> Report {
        var report = lostWrite ? losing : clean
        report.identity.seed = seed
        report.identity.traceHash = "trace-\(seed)"
        let value = commit + Double(seed % 5) * 0.4
        for kind in [LatencyKind.ack, .propagation] {
            report.latency[kind].p50Ms = value
            report.latency[kind].p90Ms = value + 2
            report.latency[kind].p99Ms = value + 5
            report.latency[kind].p999Ms = value + 9
        }
        return report
    }

    /// Built once: the fixture takes a while to record in a debug build.
    static let clean = ReportFixture.report()
    static let losing = ReportFixture.report(
        lostWrites: [LostWrite(changeID: "c-1", record: "Contact/1", field: "name", detail: "")])

    /// The comparison on a thread of its own: 2 000 bootstrap resamples for each of ~50 metrics take a while in a
    /// debug build, too long to hold a thread of the shared cooperative pool.
    static func compare(
        candidate: SeedDistribution, baseline: SeedDistribution, scenarioFile: String? = nil,
        tolerance: Double = 0.10, floorMs: Double = 1
    ) async -> DistributionComparison {
        await SimThread.run {
            DistributionComparison.compare(
                candidate: candidate, baseline: baseline, scenarioFile: scenarioFile, tolerance: tolerance,
                floorMs: floorMs)
        }
    }

    static func distribution(_ seeds: ClosedRange<UInt64>, commit: Double = 40, lostWriteSeed: UInt64? = nil)
        -> SeedDistribution
    {
        SeedDistribution(
            scenarioName: "classroom-150", scenarioFileHash: "9f2c", engineVersion: "0.1.0",
            runs: seeds.map { .report(run(seed: $0, commit: commit, lostWrite: $0 == lostWriteSeed)) })
    }

    @Test func aDistributionHoldsEachMetricPerSeedInSeedOrder() throws {
        let runs: [SeedDistribution.Run] = [
            .report(Self.run(seed: 3)), .failed(seed: 2, reason: "hung"), .report(Self.run(seed: 1, lostWrite: true)),
        ]
        let distribution = SeedDistribution(
            scenarioName: "classroom-150", scenarioFileHash: "9f2c", engineVersion: "0.1.0", runs: runs)
        #expect(distribution.seeds == [1, 2, 3])
        #expect(distribution.traceHashes == ["trace-1", "", "trace-3"])
        #expect(distribution.metrics.first?.name == "latency.propagation.p50")
        #expect(distribution.metrics.first?.values == [40.4, nil, 41.2])
        #expect(distribution.values(of: "latency.ack.p99").map(\.seed) == [1, 3])
        #expect(distribution.metrics.contains { $0.name == "latency.propagation.p99{outside: faults}" })
        #expect(distribution.values(of: "convergence.within").map(\.value) == [750, 750])
        #expect(distribution.failures.map(\.seed) == [1, 2])
        #expect(distribution.failures[1].reasons == ["hung"])
        let data = try distribution.jsonData()
        #expect(try SeedDistribution.decode(from: data) == distribution)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"values\" : [40.4, null, 41.2]"))
        #expect(text.contains("\"seeds\" : [1, 2, 3]"))
    }

    @Test func theSameBuildOnOtherSeedsIsNoSignificantChange() async {
        let comparison = await Self.compare(
            candidate: Self.distribution(21...40), baseline: Self.distribution(1...20))
        #expect(comparison.passed)
        #expect(comparison.regressions.isEmpty && comparison.improvements.isEmpty)
        #expect(!comparison.identicalRuns)
        #expect(comparison.metrics.allSatisfy { $0.verdict == .unchanged })
        let same = await Self.compare(
            candidate: Self.distribution(1...20), baseline: Self.distribution(1...20))
        #expect(same.identicalRuns && same.passed)
    }

    @Test func aShiftBeyondTheToleranceRegressesOnlyTheMetricsItMoves() async {
        let comparison = await Self.compare(
            candidate: Self.distribution(21...40, commit: 50), baseline: Self.distribution(1...20))
        #expect(!comparison.passed)
        let regressed = Set(comparison.regressions.map(\.metric))
        #expect(regressed.contains("latency.ack.p50") && regressed.contains("latency.propagation.p99"))
        #expect(regressed.allSatisfy { $0.hasPrefix("latency.ack.") || $0.hasPrefix("latency.propagation.") })
        #expect(!regressed.contains { $0.contains("{") })  // the fixture's windows keep their own values
        let ack = comparison.metrics.first { $0.metric == "latency.ack.p50" }!
        #expect(ack.baselineMedian == 40.8 && ack.candidateMedian == 50.8)
        #expect(ack.interval!.lower > ack.allowance && ack.p! < 0.01)
        #expect(comparison.summary.contains("REGRESSED latency.ack.p50: median 40.8 ms → 50.8 ms"))
        // Regressions come first, each with the command that replays its worst seed (the largest value).
        let lines = comparison.summary.split(separator: "\n")
        #expect(lines[1].hasPrefix("  REGRESSED "))
        #expect(comparison.summary.contains("worst seed: tandem run Scenarios/classroom-150.yaml --seed 24"))
    }

    @Test func aSignificantShiftWithinTheToleranceIsNotARegression() async {
        // +2 ms on ~41 ms is under 10 %: certain (p tiny) but allowed.
        let comparison = await Self.compare(
            candidate: Self.distribution(21...40, commit: 42), baseline: Self.distribution(1...20))
        let ack = comparison.metrics.first { $0.metric == "latency.ack.p50" }!
        #expect(ack.p! < 0.01)
        #expect(ack.verdict == .unchanged)
        #expect(comparison.passed)
        // With no tolerance (and no floor) the same shift regresses.
        let strict = await Self.compare(
            candidate: Self.distribution(21...40, commit: 42), baseline: Self.distribution(1...20), tolerance: 0,
            floorMs: 0)
        #expect(strict.regressions.contains { $0.metric == "latency.ack.p50" })
    }

    @Test func aFasterBuildImprovesAndPasses() async {
        let comparison = await Self.compare(
            candidate: Self.distribution(21...40, commit: 30), baseline: Self.distribution(1...20))
        #expect(comparison.passed)
        #expect(comparison.improvements.contains { $0.metric == "latency.ack.p50" })
    }

    @Test func oneFailingSeedOfTwentyFailsTheGateAndIsNamed() async {
        let comparison = await Self.compare(
            candidate: Self.distribution(1...20, lostWriteSeed: 7), baseline: Self.distribution(1...20),
            scenarioFile: "Scenarios/classroom-150.yaml")
        #expect(!comparison.passed)
        #expect(comparison.regressions.isEmpty)
        #expect(comparison.failures.map(\.seed) == [7])
        // The fixture sets `lost_acknowledged_writes: 0`, so the threshold names the finding.
        #expect(comparison.summary.contains("SEED 7 FAILED: threshold lost_acknowledged_writes <= 0: actual 1"))
        #expect(comparison.thresholdFailures.isEmpty)
        #expect(comparison.summary.contains("reproduce: tandem run Scenarios/classroom-150.yaml --seed 7"))
        #expect(comparison.markdown.contains("Seed 7 failed"))
    }

    @Test func aThresholdFailsTheGateOnlyWhenMissedInSignificantlyMoreSeeds() async {
        let baseline = Self.distribution(1...20)
        var candidate = Self.distribution(21...40)
        let name = baseline.thresholds[0].threshold
        #expect(name == "latency.propagation.p99 < 150 ms" && !baseline.thresholds[0].safety)
        // 3 of 20 against 0 of 20: Fisher's one-sided p = C(20, 3) / C(40, 3) = 0.1154, noise; listed, not failed.
        candidate.thresholds[0].failedSeeds = [23, 31, 33]
        let few = await Self.compare(candidate: candidate, baseline: baseline)
        #expect(few.passed)
        #expect(few.thresholdFailures.map(\.significant) == [false])
        #expect(few.summary.contains("  missed    \(name) missed by 3 of 20 seeds (23, 31, 33); baseline 0 of 20, p 0.1154"))
        #expect(few.markdown.contains("- \(name) missed by 3 of 20 seeds (23, 31, 33); baseline 0 of 20, p 0.1154"))
        // 7 of 20: p = C(20, 7) / C(40, 7) = 0.0042 < 0.01, fails with a seed to replay.
        candidate.thresholds[0].failedSeeds = [21, 22, 23, 31, 33, 35, 40]
        let many = await Self.compare(candidate: candidate, baseline: baseline)
        #expect(!many.passed)
        #expect(many.summary.contains("  THRESHOLD \(name) missed by 7 of 20 seeds"))
        #expect(many.summary.contains("p 0.0042"))
        #expect(many.summary.contains("reproduce: tandem run Scenarios/classroom-150.yaml --seed 21"))
    }

    /// A lower bound on a checker's metric (`divergent_clients: "> 0"`, a scenario demonstrating what a broker
    /// loses) is a demonstration: a seed where nothing diverged is not a safety failure.
    @Test func aDemonstrationThresholdIsNotASafetyLimit() throws {
        var report = Self.run(seed: 5)
        report.evaluate([try ThresholdSpec(metric: "divergent_clients", expression: "> 0")])
        #expect(!report.passed)
        #expect(report.safetyFailures().isEmpty)
        report.evaluate([try ThresholdSpec(metric: "divergent_clients", expression: "0")])
        #expect(report.passed && report.safetyFailures().isEmpty)
        report.lostAcknowledgedWrites = [LostWrite(changeID: "c", record: "Contact/1", field: "name", detail: "")]
        report.evaluate([try ThresholdSpec(metric: "lost_acknowledged_writes", expression: "0")])
        #expect(report.safetyFailures() == ["threshold lost_acknowledged_writes <= 0: actual 1"])
    }

    @Test func markdownAndHTMLShowDistributionsIntervalsAndVerdicts() async {
        let comparison = await Self.compare(
            candidate: Self.distribution(21...40, commit: 50), baseline: Self.distribution(1...20))
        let markdown = comparison.markdown
        #expect(markdown.contains("# Tandem gate: classroom-150 (FAIL)"))
        #expect(markdown.contains("| latency.propagation.p50 | 40.8 (40–41.6) ms | 50.8 (50–51.6) ms |"))
        #expect(markdown.contains("REGRESSED"))
        let html = comparison.html
        #expect(html.contains("<svg class=\"strip\""))
        #expect(html.contains("<title>seed 24: 51.6 ms</title>"))
        #expect(html.contains("no significant change"))
        #expect(html == comparison.html)  // deterministic
    }
}
