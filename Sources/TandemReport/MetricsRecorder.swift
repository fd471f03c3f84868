/// The simulator's single recorder of latencies, counters, gauges, events and fault windows during one run.
///
/// It is a plain struct owned by the thread that drives the run, not an actor: every call is synchronous and cheap
/// enough for the hot path. Latency samples go by `LatencyKind` into arrays, never through a string-keyed
/// dictionary; counters and gauges can be resolved once to a dense id (`counterID`, `gaugeID`) and then bumped by
/// id. Times are nanoseconds since the start of the run on the run's clock (virtual in `sim`, wall in `live`).
///
/// - Warning: `atNanos` must not be negative. Memory is bounded: latency over time keeps only
///   `Configuration.openBucketCountMax` open histograms per kind, and every series holds one entry per bucket.
public struct MetricsRecorder: Sendable {
    /// The recorder's limits and resolution.
    public struct Configuration: Sendable, Equatable {
        /// The width of one time bucket for latency over time, events per second and gauge series.
        public var bucketWidthNanos: Int64
        /// Samples above this are recorded as this value and counted as clamped.
        public var highestTrackableLatencyNanos: Int64
        /// How many time buckets stay open for samples that arrive out of order; older ones are summarised.
        public var openBucketCountMax: Int
        /// The largest time bucket index accepted, a guard against a clock gone wrong.
        public var timeBucketCountMax: Int64

        public init(
            bucketWidthNanos: Int64 = 1_000_000_000,
            highestTrackableLatencyNanos: Int64 = 3_600_000_000_000,
            openBucketCountMax: Int = 16,
            timeBucketCountMax: Int64 = 10_000_000
        ) {
            precondition(bucketWidthNanos > 0, "bucketWidthNanos must be positive")
            precondition(highestTrackableLatencyNanos >= 2_000, "highestTrackableLatencyNanos must be at least 2 µs")
            precondition(openBucketCountMax >= 1, "openBucketCountMax must be at least 1")
            self.bucketWidthNanos = bucketWidthNanos
            self.highestTrackableLatencyNanos = highestTrackableLatencyNanos
            self.openBucketCountMax = openBucketCountMax
            self.timeBucketCountMax = timeBucketCountMax
        }
    }

    /// A counter resolved once by name and scope, for bumping without a lookup.
    public struct CounterID: Hashable, Sendable {
        let index: Int
    }

    /// A gauge resolved once by name and scope, for sampling without a lookup.
    public struct GaugeID: Hashable, Sendable {
        let index: Int
    }

    /// Who measured a latency sample (the client's node and population group), resolved once by `originID`, for
    /// `{node: …}` and `{group: …}` scopes.
    public struct OriginID: Hashable, Sendable {
        let index: UInt32

        /// Samples recorded without saying who measured them; no `{node: …}` or `{group: …}` scope takes them.
        public static let unknown = OriginID(index: 0)
    }

    struct Origin: Hashable {
        let node: String?
        let group: String?
    }

    /// One latency sample as kept for windows: when its message was sent, its value, and who measured it.
    struct LatencySample {
        let sentNanos: Int64
        let valueNanos: Int64
        let origin: UInt32
    }

    /// A fault window while the run goes on; `number` is the fault's place in the scenario, from 1.
    struct FaultRecord {
        let kind: String
        let label: String
        let number: Int?
        var startNanos: Int64
        var endNanos: Int64
    }

    struct MetricKey: Hashable {
        let name: String
        let scope: MetricScope
    }

    public let configuration: Configuration
    var latencyTracks: [LatencyTrack]
    var counterIDs: [MetricKey: CounterID] = [:]
    var counterKeys: [MetricKey] = []
    var counterValues: [Int64] = []
    var gaugeIDs: [MetricKey: GaugeID] = [:]
    var gaugeKeys: [MetricKey] = []
    var gaugeTracks: [GaugeTrack] = []
    var eventCounts: [Int64] = []
    var faults: [FaultRecord] = []
    /// Every latency sample by kind, for the report's windows and scoped thresholds (24 bytes a sample).
    var latencySamples: [[LatencySample]]
    var originIDs: [Origin: OriginID] = [Origin(node: nil, group: nil): OriginID(index: 0)]
    var origins: [Origin] = [Origin(node: nil, group: nil)]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        latencyTracks = LatencyKind.allCases.map { _ in LatencyTrack(configuration: configuration) }
        latencySamples = LatencyKind.allCases.map { _ in [] }
    }

    // MARK: Latency

    /// Records one latency sample of `kind`, taken at `atNanos` on the run's clock, whose message was therefore
    /// sent at `atNanos - valueNanos`; `origin` says who measured it (default: nobody in particular).
    ///
    /// Negative values and values above `highestTrackableLatencyNanos` are clamped and counted.
    @inline(__always)
    public mutating func recordLatency(
        _ kind: LatencyKind, valueNanos: Int64, atNanos: Int64, origin: OriginID = .unknown
    ) {
        checkTime(atNanos)
        latencyTracks[kind.rawValue].record(valueNanos: valueNanos, atNanos: atNanos)
        latencySamples[kind.rawValue].append(
            LatencySample(
                sentNanos: atNanos - valueNanos,
                valueNanos: min(max(valueNanos, 0), configuration.highestTrackableLatencyNanos),
                origin: origin.index))
    }

    /// The id of the samples measured by clients of `node` in `group`, created on first use.
    public mutating func originID(node: String?, group: String?) -> OriginID {
        let origin = Origin(node: node, group: group)
        if let id = originIDs[origin] { return id }
        let id = OriginID(index: UInt32(origins.count))
        originIDs[origin] = id
        origins.append(origin)
        return id
    }

    // MARK: Counters

    /// The id of the counter `name` in `scope`, created at zero on first use.
    public mutating func counterID(_ name: String, scope: MetricScope = .run) -> CounterID {
        let key = MetricKey(name: name, scope: scope)
        if let id = counterIDs[key] { return id }
        let id = CounterID(index: counterValues.count)
        counterIDs[key] = id
        counterKeys.append(key)
        counterValues.append(0)
        return id
    }

    /// Adds `amount` to a counter resolved with `counterID`; the fast path.
    @inline(__always)
    public mutating func increment(_ id: CounterID, by amount: Int64 = 1) {
        counterValues[id.index] &+= amount
    }

    /// Adds `amount` to the counter `name` of one node, e.g. `increment("messages.in", node: "node-1")`.
    public mutating func increment(_ name: String, node: String, by amount: Int64 = 1) {
        increment(counterID(name, scope: .node(node)), by: amount)
    }

    /// Adds `amount` to the counter `name` in `scope`.
    public mutating func increment(_ name: String, scope: MetricScope = .run, by amount: Int64 = 1) {
        increment(counterID(name, scope: scope), by: amount)
    }

    /// The current value of counter `name` in `scope`, zero when it was never touched.
    public func counterValue(_ name: String, scope: MetricScope = .run) -> Int64 {
        counterIDs[MetricKey(name: name, scope: scope)].map { counterValues[$0.index] } ?? 0
    }

    /// The sum of counter `name` over every scope.
    public func counterTotal(_ name: String) -> Int64 {
        counterKeys.indices.reduce(into: Int64(0)) { sum, index in
            if counterKeys[index].name == name { sum &+= counterValues[index] }
        }
    }

    // MARK: Gauges

    /// The id of the gauge `name` in `scope`, created empty on first use.
    public mutating func gaugeID(_ name: String, scope: MetricScope = .run) -> GaugeID {
        let key = MetricKey(name: name, scope: scope)
        if let id = gaugeIDs[key] { return id }
        let id = GaugeID(index: gaugeTracks.count)
        gaugeIDs[key] = id
        gaugeKeys.append(key)
        gaugeTracks.append(GaugeTrack())
        return id
    }

    /// Samples a gauge resolved with `gaugeID` (a queue depth, say) at `atNanos`; the fast path.
    @inline(__always)
    public mutating func recordGauge(_ id: GaugeID, value: Double, atNanos: Int64) {
        checkTime(atNanos)
        gaugeTracks[id.index].record(value: value, bucketIndex: atNanos / configuration.bucketWidthNanos)
    }

    /// Samples the gauge `name` of one node at `atNanos`.
    public mutating func recordGauge(_ name: String, node: String, value: Double, atNanos: Int64) {
        recordGauge(gaugeID(name, scope: .node(node)), value: value, atNanos: atNanos)
    }

    /// Samples the gauge `name` in `scope` at `atNanos`.
    public mutating func recordGauge(_ name: String, scope: MetricScope = .run, value: Double, atNanos: Int64) {
        recordGauge(gaugeID(name, scope: scope), value: value, atNanos: atNanos)
    }

    // MARK: Events and faults

    /// Counts `count` engine events at `atNanos`, for the events-per-second series.
    @inline(__always)
    public mutating func recordEvent(atNanos: Int64, count: Int64 = 1) {
        checkTime(atNanos)
        let bucketIndex = Int(atNanos / configuration.bucketWidthNanos)
        if bucketIndex >= eventCounts.count {
            eventCounts.append(contentsOf: repeatElement(0, count: bucketIndex - eventCounts.count + 1))
        }
        eventCounts[bucketIndex] &+= count
    }

    /// Notes that a fault of `kind` (`partition`, `crash`, …) was in force from `startNanos` to `endNanos`;
    /// `fault` is its place in the scenario's `faults` list, from 1, for `{during: "fault 2"}` scopes.
    public mutating func addFaultWindow(
        _ kind: String, label: String, fault: Int? = nil, startNanos: Int64, endNanos: Int64
    ) {
        precondition(startNanos >= 0 && endNanos >= startNanos, "fault window must not end before it starts")
        faults.append(FaultRecord(kind: kind, label: label, number: fault, startNanos: startNanos, endNanos: endNanos))
    }

    /// Moves the end of fault number `fault`'s window to `endNanos` (a `disconnect` ends when its last client is
    /// back, which is known only then).
    public mutating func endFaultWindow(fault: Int, atNanos endNanos: Int64) {
        guard let index = faults.lastIndex(where: { $0.number == fault }) else { return }
        precondition(endNanos >= faults[index].startNanos, "fault window must not end before it starts")
        faults[index].endNanos = endNanos
    }

    @inline(__always)
    func checkTime(_ atNanos: Int64) {
        precondition(atNanos >= 0, "metrics time must not be negative")
        precondition(
            atNanos / configuration.bucketWidthNanos < configuration.timeBucketCountMax,
            "metrics time beyond timeBucketCountMax buckets"
        )
    }
}
