import Testing

@testable import TandemReport

@Suite struct ReportComparisonTests {
    let baseline = ReportFixture.report()

    @Test func aWorseP99IsARegression() {
        var current = baseline
        current.latency.propagation.p99Ms = baseline.latency.propagation.p99Ms * 1.5
        let comparison = ReportComparison.compare(current: current, baseline: baseline)
        #expect(comparison.hasRegressions)
        #expect(comparison.regressions.map(\.metric) == ["latency.propagation.p99"])
        #expect(comparison.summary.contains("WORSE  latency.propagation.p99"))
    }

    @Test func noiseUnderTheAbsoluteFloorIsIgnored() {
        var base = baseline
        base.latency.ack.p50Ms = 0.1
        var current = base
        current.latency.ack.p50Ms = 0.2
        #expect(!ReportComparison.compare(current: current, baseline: base).hasRegressions)
        #expect(ReportComparison.compare(current: current, baseline: base, absoluteFloorMs: 0.05).hasRegressions)
    }

    @Test func aChangeWithinToleranceIsIgnored() {
        var current = baseline
        current.latency.propagation.p99Ms = baseline.latency.propagation.p99Ms * 1.05
        let comparison = ReportComparison.compare(current: current, baseline: baseline, tolerance: 0.10)
        #expect(comparison.regressions.isEmpty)
        #expect(comparison.improvements.isEmpty)
    }

    @Test func aBetterP50IsAnImprovement() {
        var current = baseline
        current.latency.ack.p50Ms = baseline.latency.ack.p50Ms / 2
        let comparison = ReportComparison.compare(current: current, baseline: baseline)
        #expect(!comparison.hasRegressions)
        #expect(comparison.improvements.map(\.metric) == ["latency.ack.p50"])
    }

    @Test func convergenceTimeIsComparedWithTheSameToleranceAndFloorAsLatency() {
        var slower = baseline
        slower.convergence.withinMs = 1_500
        let worse = ReportComparison.compare(current: slower, baseline: baseline)
        #expect(worse.regressions.map(\.metric) == ["convergence.within"])
        #expect(worse.regressions.first?.detail == "+100.0%")
        var faster = baseline
        faster.convergence.withinMs = 300
        let better = ReportComparison.compare(current: faster, baseline: baseline)
        #expect(better.improvements.map(\.metric) == ["convergence.within"])
        var noise = baseline
        noise.convergence.withinMs = 750.9
        let same = ReportComparison.compare(current: noise, baseline: baseline, tolerance: 0)
        #expect(same.regressions.isEmpty && same.improvements.isEmpty)
    }

    @Test func anyNewLostWriteOrGhostIsARegression() {
        var current = baseline
        current.lostAcknowledgedWrites = [
            LostWrite(changeID: "c-9", record: "Contact/1", field: "notes", detail: "gone")
        ]
        current.presence.ghostsAfterSettle = [
            PresenceGhost(observer: "editors-1", ghost: "editors-2", record: "Contact/1")
        ]
        let comparison = ReportComparison.compare(current: current, baseline: baseline)
        #expect(comparison.regressions.map(\.metric) == ["lost_acknowledged_writes", "presence.ghosts_after_settle"])
        #expect(comparison.regressions[0].detail == "new: c-9")
    }

    @Test func aThresholdThatNowFailsIsARegression() {
        var current = baseline
        current.thresholds[0].passed = false
        let comparison = ReportComparison.compare(current: current, baseline: baseline)
        #expect(comparison.regressions.map(\.metric) == ["threshold latency.propagation.p99 < 150 ms"])
    }

    @Test func toleranceReadsPercentOrFraction() throws {
        #expect(try ReportComparison.parseTolerance("10%") == 0.10)
        #expect(try ReportComparison.parseTolerance("0.25") == 0.25)
        #expect(throws: ReportError.self) { try ReportComparison.parseTolerance("ten") }
    }

    /// Slower steady state (extra samples sent between 25 and 30 s) that leaves the whole-run p99 alone: compare
    /// still sees it, in the window and in the scoped threshold.
    @Test func compareJudgesScopedThresholdsAndWindows() throws {
        let spec = try ThresholdSpec(metric: "latency.propagation.p99{outside: faults}", expression: "< 25ms")
        let before = ReportFixture.scopedReport(expectations: [spec])
        var slower = ReportFixture.recorder()
        for index in 0..<40 {
            let at = 29_000_000_000 + Int64(index) * 1_000_000
            slower.recordLatency(.propagation, valueNanos: 60_000_000, atNanos: at)
        }
        let after = ReportFixture.scopedReport(slower, expectations: [spec])
        #expect(before.thresholds[0].passed && !after.thresholds[0].passed)
        let comparison = ReportComparison.compare(current: after, baseline: before)
        let metrics = comparison.regressions.map(\.metric)
        #expect(metrics.contains("threshold latency.propagation.p99{outside: faults} < 25 ms"))
        #expect(metrics.contains("latency.propagation.p99{outside: faults}"))
        #expect(!metrics.contains("latency.propagation.p99"))
        #expect(!metrics.contains { $0.hasPrefix("latency.propagation.p99{during") })
    }

    @Test func identicalReportsHaveNoChanges() {
        let comparison = ReportComparison.compare(current: baseline, baseline: baseline)
        #expect(comparison.regressions.isEmpty && comparison.improvements.isEmpty)
        #expect(comparison.summary.hasSuffix("OK\n"))
    }
}
