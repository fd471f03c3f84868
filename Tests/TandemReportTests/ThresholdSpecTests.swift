import Testing

@testable import TandemReport

@Suite struct ThresholdSpecTests {
    static let report = ReportFixture.report()

    /// (metric, expression, passes against the fixture): propagation p99 ≈ 90.6 ms, ack p50 ≈ 14 ms,
    /// convergence within 750 ms, no lost writes, 9 conflicts of which 8 auto-resolved.
    static let table: [(String, String, Bool)] = [
        ("latency.propagation.p99", "< 150ms", true),
        ("latency.propagation.p99", "< 50ms", false),
        ("latency.propagation.p99", "<= 0.2s", true),
        ("latency.ack.p50", "< 60ms", true),
        ("latency.ack.p50", ">= 60 ms", false),
        ("latency.ack.p50", "< 14000us", false),
        ("latency.ack.p50", "< 20000000ns", true),
        ("convergence.within", "2s", true),
        ("convergence.within", "500ms", false),
        ("convergence.within", "< 1m", true),
        ("lost_acknowledged_writes", "0", true),
        ("lost_acknowledged_writes", "== 0", true),
        ("divergent_clients", "0", true),
        ("presence.ghosts_after_settle", "0", true),
        ("conflicts.detected", "> 10", false),
        ("conflicts.auto_resolved_percent", ">= 80%", true),
        ("conflicts.auto_resolved_percent", ">= 95", false),
        ("reconnects", "= 12", true),
        ("latency.presence.count", "40", true),
    ]

    @Test(arguments: table)
    func thresholdsPassOrFailAsTheTableSays(metric: String, expression: String, passes: Bool) throws {
        let spec = try ThresholdSpec(metric: metric, expression: expression)
        #expect(spec.evaluate(Self.report).passed == passes)
    }

    @Test func unitsAreConvertedToTheMetricsUnit() throws {
        #expect(try ThresholdSpec(metric: "convergence.within", expression: "2s").limit == 2_000)
        #expect(try ThresholdSpec(metric: "latency.ack.p50", expression: "250us").limit == 0.25)
        #expect(try ThresholdSpec(metric: "latency.ack.p50", expression: "1.5 s").limit == 1_500)
        #expect(try ThresholdSpec(metric: "latency.ack.p50", expression: "60").limit == 60)
        #expect(try ThresholdSpec(metric: "conflicts.auto_resolved_percent", expression: "99.5%").limit == 99.5)
    }

    @Test func aLimitWithoutAnOperatorIsAMaximum() throws {
        let spec = try ThresholdSpec(metric: "convergence.within", expression: "2s")
        #expect(spec.comparison == .lessThanOrEqual)
        #expect(spec.expectedText == "<= 2000 ms")
    }

    @Test func anUnknownMetricIsAnErrorListingTheKnownOnes() {
        let error = #expect(throws: ThresholdError.self) {
            try ThresholdSpec(metric: "latency.propagaton.p99", expression: "< 150ms")
        }
        #expect(error?.code == .unknownMetric)
        #expect(error?.message.contains("latency.propagaton.p99") == true)
        for path in ["latency.propagation.p99", "convergence.within", "presence.ghosts_after_settle"] {
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test func aValueThatCannotBeReadIsAnError() {
        let error = #expect(throws: ThresholdError.self) {
            try ThresholdSpec(metric: "latency.ack.p50", expression: "fast")
        }
        #expect(error?.code == .badExpression)
    }

    @Test func aDurationOnACountIsAUnitMismatch() {
        let error = #expect(throws: ThresholdError.self) {
            try ThresholdSpec(metric: "lost_acknowledged_writes", expression: "5ms")
        }
        #expect(error?.code == .unitMismatch)
        #expect(throws: ThresholdError.self) { try ThresholdSpec(metric: "latency.ack.p99", expression: "5%") }
    }

    @Test func aRunThatNeverConvergedFailsConvergenceWithin() throws {
        let diverged = ReportFixture.report(
            divergent: [
                DivergentClient(client: "editors-1", record: "Contact/1", field: "name", expected: "A", actual: "B")
            ]
        )
        let result = try ThresholdSpec(metric: "convergence.within", expression: "2s").evaluate(diverged)
        #expect(result.actual == nil)
        #expect(!result.passed)
        #expect(!diverged.passed)
        // The fixture's thresholds judge convergence, so the threshold (not the bare checker) is the reason.
        #expect(diverged.failureReasons().contains { $0.hasPrefix("threshold convergence.within") })
    }

    @Test func aCheckerWithoutAThresholdFailsTheRunOnItsOwn() throws {
        var diverged = ReportFixture.report(
            divergent: [
                DivergentClient(client: "editors-1", record: "Contact/1", field: "name", expected: "A", actual: "B")
            ]
        )
        diverged.evaluate([])
        #expect(!diverged.passed)
        #expect(diverged.failureReasons().contains("did not converge"))
        diverged.evaluate([try ThresholdSpec(metric: "divergent_clients", expression: "> 0")])
        #expect(diverged.passed)
    }
}
