import Testing

@testable import TandemReport

@Suite struct MetricsRecorderTests {
    /// Three significant digits: every percentile is within 0.1 % of the true value.
    func isClose(_ actual: Double, _ expected: Double) -> Bool {
        abs(actual - expected) <= expected * 0.001 + 0.001
    }

    @Test func uniformLatenciesGiveTheirKnownPercentiles() {
        var recorder = MetricsRecorder()
        for micros in 1...10_000 {
            recorder.recordLatency(.propagation, valueNanos: Int64(micros) * 1_000, atNanos: 0)
        }
        let summary = recorder.latencyReport().propagation
        #expect(summary.count == 10_000)
        #expect(isClose(summary.p50Ms, 5))
        #expect(isClose(summary.p90Ms, 9))
        #expect(isClose(summary.p99Ms, 9.9))
        #expect(isClose(summary.p999Ms, 9.99))
        #expect(summary.maxMs == 10)
        #expect(isClose(summary.meanMs, 5.0005))
        #expect(summary.cdf.first?.percentile == 0)
        #expect(summary.cdf.last?.valueMs == 10)
    }

    @Test func constantLatencyIsEveryPercentile() {
        var recorder = MetricsRecorder()
        for index in 0..<1_000 { recorder.recordLatency(.ack, valueNanos: 20_000_000, atNanos: Int64(index)) }
        let summary = recorder.latencyReport().ack
        for value in [summary.p50Ms, summary.p90Ms, summary.p99Ms, summary.p999Ms, summary.maxMs, summary.meanMs] {
            #expect(isClose(value, 20))
        }
    }

    @Test func bimodalLatenciesSeparateAtTheTail() {
        var recorder = MetricsRecorder()
        for index in 0..<1_000 {
            recorder.recordLatency(.presence, valueNanos: index % 10 == 0 ? 100_000_000 : 1_000_000, atNanos: 0)
        }
        let summary = recorder.latencyReport().presence
        #expect(isClose(summary.p50Ms, 1))
        #expect(isClose(summary.p90Ms, 1))
        #expect(isClose(summary.p99Ms, 100))
        #expect(isClose(summary.meanMs, 10.9))
    }

    @Test func samplesAreBucketedBySecondAndEmptyBucketsAreLeftOut() {
        var recorder = MetricsRecorder()
        recorder.recordLatency(.propagation, valueNanos: 10_000_000, atNanos: 500_000_000)
        recorder.recordLatency(.propagation, valueNanos: 12_000_000, atNanos: 900_000_000)
        recorder.recordLatency(.propagation, valueNanos: 20_000_000, atNanos: 1_500_000_000)
        recorder.recordLatency(.propagation, valueNanos: 30_000_000, atNanos: 3_200_000_000)
        let overTime = recorder.latencyReport().propagation.overTime
        #expect(overTime.map(\.tMs) == [0, 1_000, 3_000])
        #expect(overTime.map(\.count) == [2, 1, 1])
        #expect(isClose(overTime[0].p99Ms, 12))
        #expect(isClose(overTime[2].p50Ms, 30))
    }

    @Test func bucketsStaySortedAfterTheRingWrapsMoreThanOnce() {
        var recorder = MetricsRecorder(configuration: .init(openBucketCountMax: 4))
        let seconds: [Int64] = [0, 1, 2, 7, 8, 100, 101, 3_600]
        for second in seconds {
            recorder.recordLatency(.ack, valueNanos: 5_000_000, atNanos: second * 1_000_000_000 + 1)
        }
        let overTime = recorder.latencyReport().ack.overTime
        #expect(overTime.map(\.tMs) == seconds.map { Double($0) * 1_000 })
        #expect(overTime.allSatisfy { $0.count == 1 })
    }

    @Test func lateSamplesCountInTheTotalButNotOverTime() {
        var recorder = MetricsRecorder(configuration: .init(openBucketCountMax: 2))
        recorder.recordLatency(.ack, valueNanos: 1_000_000, atNanos: 10_000_000_000)
        recorder.recordLatency(.ack, valueNanos: 1_000_000, atNanos: 9_100_000_000)
        recorder.recordLatency(.ack, valueNanos: 1_000_000, atNanos: 1_000_000_000)
        let summary = recorder.latencyReport().ack
        #expect(summary.count == 3)
        #expect(summary.lateCount == 1)
        #expect(summary.overTime.map(\.count) == [1, 1])
    }

    @Test func outOfRangeSamplesAreClampedAndCounted() {
        var recorder = MetricsRecorder(configuration: .init(highestTrackableLatencyNanos: 60_000_000_000))
        recorder.recordLatency(.ack, valueNanos: -5, atNanos: 0)
        recorder.recordLatency(.ack, valueNanos: 120_000_000_000, atNanos: 0)
        let summary = recorder.latencyReport().ack
        #expect(summary.clampedCount == 2)
        #expect(summary.count == 2)
        #expect(summary.maxMs == 60_000)
    }

    @Test func countersAddUpByNodeBrokerAndRunWithNodesInNaturalOrder() {
        var recorder = MetricsRecorder()
        let id = recorder.counterID("messages.in", scope: .node("node-10"))
        recorder.increment(id, by: 5)
        recorder.increment("messages.in", node: "node-2")
        recorder.increment("messages.in", node: "node-2", by: 2)
        recorder.increment("messages.published", scope: .broker)
        recorder.increment("reconnects")
        #expect(recorder.counterValue("messages.in", scope: .node("node-2")) == 3)
        #expect(recorder.counterTotal("messages.in") == 8)
        let load = recorder.loadReport()
        #expect(load.nodes.map(\.node) == ["node-2", "node-10"])
        #expect(load.nodes[1].counters == ["messages.in": 5])
        #expect(load.broker.counters == ["messages.published": 1])
        #expect(load.run.counters == ["reconnects": 1])
    }

    @Test func gaugesKeepTheMaximumAndLastValueOfEachBucket() {
        var recorder = MetricsRecorder()
        recorder.recordGauge("queue.depth", node: "node-1", value: 3, atNanos: 100)
        recorder.recordGauge("queue.depth", node: "node-1", value: 9, atNanos: 200)
        recorder.recordGauge("queue.depth", node: "node-1", value: 4, atNanos: 300)
        recorder.recordGauge("queue.depth", node: "node-1", value: 1, atNanos: 2_000_000_000)
        recorder.recordGauge("queue.depth", node: "node-1", value: 7, atNanos: 1_000_000_000)
        let series = recorder.loadReport().nodes[0].gauges["queue.depth"]
        #expect(series?.max == 9)
        #expect(series?.last == 1)
        #expect(
            series?.samples == [
                GaugeSample(tMs: 0, max: 9, last: 4),
                GaugeSample(tMs: 1_000, max: 7, last: 7),
                GaugeSample(tMs: 2_000, max: 1, last: 1),
            ]
        )
    }

    @Test func eventsAreReportedPerSecondWhateverTheBucketWidth() {
        var recorder = MetricsRecorder(configuration: .init(bucketWidthNanos: 500_000_000))
        recorder.recordEvent(atNanos: 0, count: 10)
        recorder.recordEvent(atNanos: 1_200_000_000)
        let events = recorder.loadReport().eventsPerSecond
        #expect(
            events == [
                RateSample(tMs: 0, perSecond: 20),
                RateSample(tMs: 500, perSecond: 0),
                RateSample(tMs: 1_000, perSecond: 2),
            ]
        )
    }

    @Test func faultWindowsAreOrderedByStart() {
        var recorder = MetricsRecorder()
        recorder.addFaultWindow("crash", label: "node-3", startNanos: 90_000_000_000, endNanos: 93_000_000_000)
        recorder.addFaultWindow("partition", label: "node-2", startNanos: 40_000_000_000, endNanos: 45_000_000_000)
        #expect(recorder.faultWindows.map(\.kind) == ["partition", "crash"])
        #expect(recorder.faultWindows[0].endMs == 45_000)
    }

    @Test func makeReportLiftsWellKnownCountersAndEvaluatesThresholds() {
        let report = ReportFixture.report()
        #expect(report.reconnects == 12)
        #expect(report.resyncs == 2)
        #expect(report.conflicts == ConflictCounts(detected: 9, autoResolved: 8, manual: 1))
        #expect(report.thresholds.count == ReportFixture.expectations.count)
        #expect(report.passed)
        #expect(report.faults.count == 2)
    }
}
