import TandemReport

/// A small but complete run, built through `MetricsRecorder` the way the simulator builds one.
enum ReportFixture {
    static let expectations: [(String, String)] = [
        ("latency.propagation.p99", "< 150ms"),
        ("latency.ack.p50", "< 60ms"),
        ("convergence.within", "2s"),
        ("lost_acknowledged_writes", "0"),
        ("divergent_clients", "0"),
        ("presence.ghosts_after_settle", "0"),
    ]

    static func recorder() -> MetricsRecorder {
        var recorder = MetricsRecorder()
        let second: Int64 = 1_000_000_000
        for index in 0..<3_000 {
            let at = Int64(index) * 10_000_000  // every 10 ms for 30 s
            let inFault = at >= 10 * second && at < 15 * second
            recorder.recordLatency(
                .propagation,
                valueNanos: (inFault ? 90 : 20) * 1_000_000 + Int64(index % 7) * 100_000,
                atNanos: at
            )
            recorder.recordLatency(.ack, valueNanos: 12_000_000 + Int64(index % 5) * 1_000_000, atNanos: at)
            recorder.recordEvent(atNanos: at, count: 3)
            let node = "node-\(index % 3 + 1)"
            recorder.increment("messages.in", node: node)
            recorder.recordGauge("queue.depth", node: node, value: Double(index % 11), atNanos: at)
        }
        for index in 0..<40 {
            recorder.recordLatency(
                .presence,
                valueNanos: 30_000_000 + Int64(index) * 500_000,
                atNanos: Int64(index) * second / 2
            )
        }
        recorder.increment("messages.published", scope: .broker, by: 3_000)
        recorder.increment(MetricsRecorder.CounterName.reconnects, node: "node-2", by: 12)
        recorder.increment(MetricsRecorder.CounterName.resyncs, node: "node-2", by: 2)
        recorder.increment(MetricsRecorder.CounterName.conflictsDetected, by: 9)
        recorder.increment(MetricsRecorder.CounterName.conflictsAutoResolved, by: 8)
        recorder.increment(MetricsRecorder.CounterName.conflictsManual, by: 1)
        recorder.addFaultWindow("partition", label: "node-2 | broker", startNanos: 10 * second, endNanos: 15 * second)
        recorder.addFaultWindow("crash", label: "node-3", startNanos: 20 * second, endNanos: 23 * second)
        return recorder
    }

    /// A 30 s run of `recorder` judged by `expectations` only, with no checker findings.
    static func scopedReport(_ recorder: MetricsRecorder = recorder(), expectations: [ThresholdSpec]) -> Report {
        let identity = RunIdentity(
            scenarioName: "w", scenarioFileHash: "", seed: 1, mode: .sim, engineVersion: "0", simulatedTimeMs: 30_000)
        return recorder.makeReport(identity: identity, convergence: ConvergenceReport(), expectations: expectations)
    }

    static func report(
        scenarioName: String = "classroom-150",
        wall: WallClock = WallClock(timeMs: 812.5, startedAtUnixMs: 1_767_225_600_000),
        lostWrites: [LostWrite] = [],
        divergent: [DivergentClient] = []
    ) -> Report {
        let identity = RunIdentity(
            scenarioName: scenarioName,
            scenarioFileHash: "9f2c",
            seed: 42,
            mode: .sim,
            engineVersion: "0.1.0",
            traceHash: "abc123",
            simulatedTimeMs: 30_000
        )
        let convergence = ConvergenceReport(
            converged: divergent.isEmpty,
            settleStartedAtMs: 23_000,
            convergedAtMs: divergent.isEmpty ? 23_750 : nil,
            withinMs: divergent.isEmpty ? 750 : nil,
            divergentClients: divergent,
            timeline: [
                ConvergenceSample(tMs: 0, divergentCount: 0),
                ConvergenceSample(tMs: 10_000, divergentCount: 40),
                ConvergenceSample(tMs: 16_000, divergentCount: 3),
                ConvergenceSample(tMs: 23_750, divergentCount: divergent.count),
            ]
        )
        let specs = expectations.map { try! ThresholdSpec(metric: $0.0, expression: $0.1) }
        return recorder().makeReport(
            identity: identity,
            wall: wall,
            convergence: convergence,
            lostAcknowledgedWrites: lostWrites,
            expectations: specs
        )
    }
}
