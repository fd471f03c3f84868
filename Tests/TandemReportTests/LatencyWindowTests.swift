import Testing

@testable import TandemReport

/// Scopes (`{outside: faults}`), the windows they resolve to, and attribution of samples by send time.
@Suite struct LatencyWindowTests {
    static let second: Int64 = 1_000_000_000

    @Test(arguments: [
        ("outside: faults", "outside: faults"),
        ("during:faults", "during: faults"),
        ("during: \"fault 2\"", "during: fault 2"),
        ("after: 'fault 1', for: 10s", "after: fault 1, for: 10s"),
        ("after: faults", "after: faults, for: 5s"),
        ("for: 500ms, after: fault 3", "after: fault 3, for: 500ms"),
        ("phase: steady", "phase: steady"),
        ("phase: \"phase 2\"", "phase: 2"),
        ("group: editors, node: node-2", "node: node-2, group: editors"),
        ("during: faults, node: node-1", "during: faults, node: node-1"),
    ])
    func scopesParseToOneCanonicalText(written: String, canonical: String) throws {
        let spec = try ThresholdSpec(metric: "latency.propagation.p99{\(written)}", expression: "< 150ms")
        #expect(spec.path == "latency.propagation.p99")
        #expect(spec.scope?.description == canonical)
        #expect(spec.metric == "latency.propagation.p99{\(canonical)}")
    }

    @Test(arguments: [
        ("latency.propagation.p99{inside: faults}", "unknown scope 'inside'"),
        ("latency.propagation.p99{during: faults, after: faults}", "one of outside, during, after and phase"),
        ("latency.propagation.p99{for: 10s}", "'for' is the length of an 'after' window"),
        ("latency.propagation.p99{after: fault 1, for: 10}", "'for' takes a positive duration"),
        ("latency.propagation.p99{outside: nodes}", "'outside' takes 'faults'"),
        ("latency.propagation.p99{during: fault 0}", "\"fault N\""),
        ("latency.propagation.p99{phase: plateau}", "'phase' takes steady, ramp or a phase number"),
        ("latency.propagation.p99{}", "an empty scope"),
        ("latency.propagation.p99{node}", "expected 'key: value'"),
        ("latency.propagation.p99{node: node-1, node: node-2}", "'node' appears twice"),
        ("latency.propagation.p99{outside: faults", "a scope ends with '}'"),
        ("lost_acknowledged_writes{during: faults}", "cannot take the scope {during: faults}"),
    ])
    func badScopesAreErrorsNamingTheProblem(metric: String, message: String) {
        #expect {
            try ThresholdSpec(metric: metric, expression: "< 150ms")
        } throws: { error in
            guard let error = error as? ThresholdError else { return false }
            return error.code == .badScope && error.message.contains(message)
        }
    }

    @Test func aWindowHoldsTheMessagesSentFromItsStartUpToButNotAtItsEnd() {
        let spans = SpanSet([.init(startNanos: 10, endNanos: 20), .init(startNanos: 30, endNanos: 40)])
        #expect(!spans.contains(9))
        #expect(spans.contains(10))
        #expect(spans.contains(19))
        #expect(!spans.contains(20))
        #expect(spans.contains(30))
        #expect(!spans.contains(40))
        #expect(
            SpanSet([.init(startNanos: 5, endNanos: 15), .init(startNanos: 15, endNanos: 18)]).spans
                == [.init(startNanos: 5, endNanos: 18)]
        )
    }

    /// One sample sent 1 ns before a fault's end and received after it, one sent exactly at the end: the first
    /// is the fault's, the second is the recovery's, whatever their arrival times.
    @Test func aSampleAtAWindowsEdgeIsAttributedByTheTimeItWasSent() {
        let second = Self.second
        var recorder = MetricsRecorder()
        recorder.addFaultWindow("partition", label: "p", fault: 1, startNanos: 10 * second, endNanos: 15 * second)
        // Sent at 15 s − 1 ns, arrives at 15.5 s: during the fault.
        recorder.recordLatency(.propagation, valueNanos: 500_000_001, atNanos: 15 * second + 500_000_000)
        // Sent at exactly 15 s, arrives at 15.02 s: recovery.
        recorder.recordLatency(.propagation, valueNanos: 20_000_000, atNanos: 15 * second + 20_000_000)
        // Sent at 10 s exactly: during.
        recorder.recordLatency(.propagation, valueNanos: 7_000_000, atNanos: 10 * second + 7_000_000)
        // Sent at 9.999 s, arriving during the fault: steady state.
        recorder.recordLatency(.propagation, valueNanos: 3_000_000, atNanos: 10 * second + 2_000_000)
        let timeline = recorder.timeline(phases: [], endNanos: 30 * second)
        let during = recorder.latencyWindow(LatencyScope(time: .during(.all)), timeline: timeline).propagation
        let recovery = recorder.latencyWindow(LatencyScope.standard[2], timeline: timeline).propagation
        let steady = recorder.latencyWindow(LatencyScope(time: .outsideFaults), timeline: timeline).propagation
        #expect(during.count == 2)
        #expect(abs(during.maxMs - 500) < 1)
        #expect(recovery.count == 1)
        #expect(abs(recovery.maxMs - 20) < 0.1)
        #expect(steady.count == 1)
        #expect(abs(steady.maxMs - 3) < 0.01)
    }

    @Test func steadyStateDuringFaultsAndRecoverySplitTheRun() {
        let second = Self.second
        let timeline = RunTimeline(
            faults: [
                .init(number: 1, startNanos: 10 * second, endNanos: 15 * second),
                .init(number: 2, startNanos: 17 * second, endNanos: 18 * second),
                .init(number: 3, startNanos: 40 * second, endNanos: 40 * second),  // an instant (delete_record)
            ],
            phases: [
                .init(number: 1, isSteady: false, startNanos: 0, endNanos: 5 * second),
                .init(number: 2, isSteady: true, startNanos: 5 * second, endNanos: 60 * second),
            ],
            endNanos: 60 * second
        )
        func spans(_ time: LatencyScope.Time?) -> [[Int64]] {
            timeline.spans(time).spans.map { [$0.startNanos / second, $0.endNanos / second] }
        }
        #expect(spans(.during(.all)) == [[10, 15], [17, 18]])
        #expect(spans(.after(.all, forNanos: 5 * second)) == [[15, 17], [18, 23], [40, 45]])
        #expect(spans(.outsideFaults) == [[0, 10], [23, 40], [45, 60]])
        #expect(spans(.after(.number(1), forNanos: 10 * second)) == [[15, 25]])
        #expect(spans(.during(.number(2))) == [[17, 18]])
        #expect(spans(.phase(.steady)) == [[5, 60]])
        #expect(spans(.phase(.number(1))) == [[0, 5]])
        #expect(spans(nil) == [[0, 60]])
    }

    /// The fixture's partition (10–15 s) triples propagation latency; the crash (20–23 s) does not.
    @Test func aRunWithAFaultGetsDifferentP99sPerWindowAndScopedThresholdsReadThem() throws {
        let specs = try [
            ThresholdSpec(metric: "latency.propagation.p99{outside: faults}", expression: "< 50ms"),
            ThresholdSpec(metric: "latency.propagation.p99{during: faults}", expression: "< 50ms"),
            ThresholdSpec(metric: "latency.propagation.p99{during: faults}", expression: "< 200ms"),
            ThresholdSpec(metric: "latency.propagation.p99{after: faults, for: 1s}", expression: "< 50ms"),
        ]
        let report = ReportFixture.scopedReport(expectations: specs)
        let windows = report.latency.windows
        #expect(
            windows.map(\.scope) == [
                "outside: faults", "during: faults", "after: faults, for: 5s", "after: faults, for: 1s",
            ]
        )
        let steady = windows[0].propagation.p99Ms
        let during = windows[1].propagation.p99Ms
        #expect(steady < 25 && steady > 20)
        #expect(during > 90 && during < 91)
        // The three split the run; the fixture's first three samples (recorded at 0, 10 and 20 ms with 20 ms of
        // latency) claim to have been sent before it began, so no window takes them.
        #expect(
            windows[0].propagation.count + windows[1].propagation.count + windows[2].propagation.count
                == report.latency.propagation.count - 3
        )
        #expect(report.thresholds.map(\.passed) == [true, false, true, true])
        #expect(report.thresholds[0].actual == steady)
        #expect(report.thresholds[0].metric == "latency.propagation.p99{outside: faults}")
        #expect(!report.passed)
        let markdown = MarkdownRenderer.render(report)
        #expect(markdown.contains("## Latency by window (ms, by send time)"))
        #expect(markdown.contains("### {during: faults} during faults (8 s: 10–15 s, 20–23 s)"))
        #expect(HTMLRenderer.render(report).contains("<h3>{outside: faults} steady state"))
    }

    @Test func aThresholdOnAWindowWithoutSamplesFails() throws {
        let spec = try ThresholdSpec(metric: "latency.presence.p99{during: fault 2}", expression: "< 1s")
        let report = ReportFixture.scopedReport(expectations: [spec])
        #expect(report.thresholds.first?.actual == nil)
        #expect(report.thresholds.first?.passed == false)
    }

    /// A rate scoped by time reads the per-second buckets that start within the window; a rate has no node.
    @Test func aRateScopedByTimeReadsTheBucketsOfItsWindow() throws {
        var recorder = ReportFixture.recorder()  // 300 events/s throughout, a partition at 10–15 s
        recorder.recordEvent(atNanos: 11 * Self.second + 500_000_000, count: 1_000)
        let specs = try [
            ThresholdSpec(metric: "events.per_second.max{during: faults}", expression: ">= 1300"),
            ThresholdSpec(metric: "events.per_second.max{outside: faults}", expression: "<= 300"),
            ThresholdSpec(metric: "events.per_second.mean{during: faults}", expression: "> 300"),
        ]
        let report = ReportFixture.scopedReport(recorder, expectations: specs)
        #expect(report.thresholds.map(\.actual) == [1_300, 300, 425])
        #expect(report.thresholds.map(\.passed) == [true, true, true])
        #expect(throws: ThresholdError.self) {
            try ThresholdSpec(metric: "events.per_second.max{node: node-1}", expression: "< 1000")
        }
    }

    @Test func nodeAndGroupScopesTakeTheSamplesTheirClientsMeasured() {
        var recorder = MetricsRecorder()
        let editorsOnTwo = recorder.originID(node: "node-2", group: "editors")
        let viewersOnOne = recorder.originID(node: "node-1", group: "viewers")
        recorder.recordLatency(.ack, valueNanos: 10_000_000, atNanos: 1 * Self.second, origin: editorsOnTwo)
        recorder.recordLatency(.ack, valueNanos: 80_000_000, atNanos: 2 * Self.second, origin: viewersOnOne)
        recorder.recordLatency(.ack, valueNanos: 40_000_000, atNanos: 3 * Self.second)
        let timeline = recorder.timeline(phases: [], endNanos: 5 * Self.second)
        let onTwo = recorder.latencyWindow(LatencyScope(node: "node-2"), timeline: timeline).ack
        let viewers = recorder.latencyWindow(LatencyScope(group: "viewers"), timeline: timeline).ack
        let everyone = recorder.latencyWindow(LatencyScope(), timeline: timeline).ack
        #expect(onTwo.count == 1 && abs(onTwo.maxMs - 10) < 0.01)
        #expect(viewers.count == 1 && abs(viewers.maxMs - 80) < 0.1)
        #expect(everyone.count == 3)
    }
}
