import Histogram

extension MetricsRecorder {
    /// Well-known counter names that `makeReport` lifts into their own report fields, summed over every scope.
    public enum CounterName {
        public static let reconnects = "reconnects"
        public static let resyncs = "resyncs"
        public static let conflictsDetected = "conflicts.detected"
        public static let conflictsAutoResolved = "conflicts.auto_resolved"
        public static let conflictsManual = "conflicts.manual"
    }

    /// The percentiles plotted as the latency distribution.
    public static let cdfPercentiles: [Double] = [
        0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97, 98, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100,
    ]

    /// The latency section so far, including the time buckets still open.
    public func latencyReport() -> LatencyReport {
        var report = LatencyReport(bucketWidthMs: Milliseconds.from(nanos: configuration.bucketWidthNanos))
        for kind in LatencyKind.allCases {
            report[kind] = summary(of: latencyTracks[kind.rawValue])
        }
        return report
    }

    func summary(of track: LatencyTrack) -> LatencySummary {
        var summary = Self.summary(of: track.total, withCDF: true)
        summary.clampedCount = track.clampedSampleCount
        summary.lateCount = track.lateSampleCount
        if summary.count > 0 { summary.overTime = track.overTime() }
        return summary
    }

    /// The percentiles of `histogram`; the distribution points only `withCDF`.
    static func summary(of histogram: Histogram<UInt64>, withCDF: Bool) -> LatencySummary {
        let count = histogram.totalCount
        guard count > 0 else { return LatencySummary() }
        let cdfPercentiles = withCDF ? Self.cdfPercentiles : []
        let (values, mean) = histogram.percentilesAndMean([50, 90, 99, 99.9] + cdfPercentiles)
        let ms = values.map { Milliseconds.from(nanos: $0) }
        return LatencySummary(
            count: count,
            p50Ms: ms[0],
            p90Ms: ms[1],
            p99Ms: ms[2],
            p999Ms: ms[3],
            maxMs: Milliseconds.from(nanos: histogram.maxRecorded),
            meanMs: Milliseconds.from(nanos: mean),
            cdf: zip(cdfPercentiles, ms.dropFirst(4)).map { PercentilePoint(percentile: $0, valueMs: $1) }
        )
    }

    /// The run's fault and phase windows as scopes resolve them; the run ends at `endNanos`.
    public func timeline(phases: [RunTimeline.Phase], endNanos: Int64) -> RunTimeline {
        RunTimeline(
            faults: faults.map { record in
                // A window noted without a number still counts for `faults`; no "fault N" names number 0.
                RunTimeline.Fault(number: record.number ?? 0, startNanos: record.startNanos, endNanos: record.endNanos)
            },
            phases: phases,
            endNanos: endNanos)
    }

    /// The latency of the samples `scope` takes, by kind: each sample is attributed by the time its message was
    /// sent (`SpanSet.contains`) and by who measured it.
    public func latencyWindow(_ scope: LatencyScope, timeline: RunTimeline) -> LatencyWindow {
        let spans = timeline.spans(scope.time)
        let admitted = origins.map { origin in
            (scope.node == nil || origin.node == scope.node) && (scope.group == nil || origin.group == scope.group)
        }
        var window = LatencyWindow(scope: scope.description, label: scope.label, spans: spans.reportSpans)
        for kind in LatencyKind.allCases {
            var histogram = Histogram<UInt64>(
                lowestDiscernibleValue: 1,
                highestTrackableValue: UInt64(configuration.highestTrackableLatencyNanos),
                numberOfSignificantValueDigits: .three
            )
            for sample in latencySamples[kind.rawValue]
            where admitted[Int(sample.origin)] && spans.contains(sample.sentNanos) {
                histogram.record(UInt64(sample.valueNanos))
            }
            window[kind] = Self.summary(of: histogram, withCDF: false)
        }
        return window
    }

    /// The load section so far: counters and gauges by scope, nodes in natural order, events per second.
    public func loadReport() -> LoadReport {
        var nodes: [String: NodeLoad] = [:]
        var broker = ScopeLoad()
        var run = ScopeLoad()
        for (index, key) in counterKeys.enumerated() {
            switch key.scope {
            case .run: run.counters[key.name] = counterValues[index]
            case .broker: broker.counters[key.name] = counterValues[index]
            case .node(let node): nodes[node, default: NodeLoad(node: node)].counters[key.name] = counterValues[index]
            }
        }
        for (index, key) in gaugeKeys.enumerated() {
            let series = gaugeSeries(gaugeTracks[index])
            switch key.scope {
            case .run: run.gauges[key.name] = series
            case .broker: broker.gauges[key.name] = series
            case .node(let node): nodes[node, default: NodeLoad(node: node)].gauges[key.name] = series
            }
        }
        let widthNanos = configuration.bucketWidthNanos
        let perSecondFactor = 1_000_000_000 / Double(widthNanos)
        let events = eventCounts.enumerated().map { index, count in
            RateSample(
                tMs: Milliseconds.from(nanos: Int64(index) * widthNanos),
                perSecond: Milliseconds.rounded(Double(count) * perSecondFactor)
            )
        }
        return LoadReport(
            bucketWidthMs: Milliseconds.from(nanos: widthNanos),
            nodes: nodes.values.sorted { NaturalOrder.less($0.node, $1.node) },
            broker: broker,
            run: run,
            eventsPerSecond: events
        )
    }

    func gaugeSeries(_ track: GaugeTrack) -> GaugeSeries {
        GaugeSeries(
            max: track.maxValue,
            last: track.lastValue,
            samples: track.buckets.map { bucket in
                GaugeSample(
                    tMs: Milliseconds.from(nanos: bucket.bucketIndex * configuration.bucketWidthNanos),
                    max: bucket.max,
                    last: bucket.last
                )
            }
        )
    }

    /// The fault windows noted so far, ordered by start, then end, then kind (in the order noted for ties).
    public var faultWindows: [FaultWindow] {
        faults.enumerated().sorted { lhs, rhs in
            let (a, b) = (lhs.element, rhs.element)
            if a.startNanos != b.startNanos { return a.startNanos < b.startNanos }
            if a.endNanos != b.endNanos { return a.endNanos < b.endNanos }
            return lhs.offset < rhs.offset
        }.map { _, record in
            FaultWindow(
                kind: record.kind, label: record.label, fault: record.number,
                startMs: Milliseconds.from(nanos: record.startNanos), endMs: Milliseconds.from(nanos: record.endNanos))
        }
    }

    /// Assembles the run's report from what was recorded plus the checkers' findings, and evaluates
    /// `expectations` (which sets `thresholds` and `passed`). The latency windows are the standard three plus one
    /// per scope a threshold names, resolved against the faults noted and `phases`; the run ends at
    /// `identity.simulatedTimeMs`.
    public func makeReport(
        identity: RunIdentity,
        wall: WallClock = WallClock(),
        convergence: ConvergenceReport,
        lostAcknowledgedWrites: [LostWrite] = [],
        versionOrderViolations: [VersionOrderViolation] = [],
        presenceGhosts: [PresenceGhost] = [],
        expectations: [ThresholdSpec] = [],
        phases: [RunTimeline.Phase] = []
    ) -> Report {
        let timeline = timeline(phases: phases, endNanos: Int64((identity.simulatedTimeMs * 1_000_000).rounded()))
        var scopes = LatencyScope.standard
        for scope in expectations.compactMap(\.scope) where !scopes.contains(scope) { scopes.append(scope) }
        var latency = latencyReport()
        latency.windows = scopes.map { latencyWindow($0, timeline: timeline) }
        var report = Report(
            identity: identity,
            wall: wall,
            latency: latency,
            convergence: convergence,
            lostAcknowledgedWrites: lostAcknowledgedWrites,
            versionOrderViolations: versionOrderViolations,
            presence: PresenceReport(ghostsAfterSettle: presenceGhosts),
            conflicts: ConflictCounts(
                detected: counterTotal(CounterName.conflictsDetected),
                autoResolved: counterTotal(CounterName.conflictsAutoResolved),
                manual: counterTotal(CounterName.conflictsManual)
            ),
            load: loadReport(),
            reconnects: counterTotal(CounterName.reconnects),
            resyncs: counterTotal(CounterName.resyncs),
            faults: faultWindows
        )
        report.evaluate(expectations)
        return report
    }
}
