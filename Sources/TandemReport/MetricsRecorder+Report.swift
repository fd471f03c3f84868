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
        let histogram = track.total
        let count = histogram.totalCount
        guard count > 0 else {
            return LatencySummary(clampedCount: track.clampedSampleCount, lateCount: track.lateSampleCount)
        }
        func ms(_ percentile: Double) -> Double { Milliseconds.from(nanos: histogram.valueAtPercentile(percentile)) }
        return LatencySummary(
            count: count,
            p50Ms: ms(50),
            p90Ms: ms(90),
            p99Ms: ms(99),
            p999Ms: ms(99.9),
            maxMs: Milliseconds.from(nanos: histogram.maxRecorded),
            meanMs: Milliseconds.from(nanos: histogram.mean),
            clampedCount: track.clampedSampleCount,
            lateCount: track.lateSampleCount,
            cdf: Self.cdfPercentiles.map { PercentilePoint(percentile: $0, valueMs: ms($0)) },
            overTime: track.overTime()
        )
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
            if a.startMs != b.startMs { return a.startMs < b.startMs }
            if a.endMs != b.endMs { return a.endMs < b.endMs }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// Assembles the run's report from what was recorded plus the checkers' findings, and evaluates
    /// `expectations` (which sets `thresholds` and `passed`).
    public func makeReport(
        identity: RunIdentity,
        wall: WallClock = WallClock(),
        convergence: ConvergenceReport,
        lostAcknowledgedWrites: [LostWrite] = [],
        versionOrderViolations: [VersionOrderViolation] = [],
        presenceGhosts: [PresenceGhost] = [],
        expectations: [ThresholdSpec] = []
    ) -> Report {
        var report = Report(
            identity: identity,
            wall: wall,
            latency: latencyReport(),
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
