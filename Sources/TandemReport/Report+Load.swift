/// The load section of a report: counters and gauges per node, for the broker and for the whole run.
public struct LoadReport: Codable, Sendable, Equatable {
    /// The width of the buckets of `eventsPerSecond` and of every gauge series.
    public var bucketWidthMs: Double
    /// One entry per node, in natural name order (`node-2` before `node-10`).
    public var nodes: [NodeLoad]
    public var broker: ScopeLoad
    /// Counters and gauges that belong to no node.
    public var run: ScopeLoad
    public var eventsPerSecond: [RateSample]

    enum CodingKeys: String, CodingKey {
        case bucketWidthMs = "bucket_width_ms"
        case nodes, broker, run
        case eventsPerSecond = "events_per_second"
    }

    public init(
        bucketWidthMs: Double = 1_000,
        nodes: [NodeLoad] = [],
        broker: ScopeLoad = ScopeLoad(),
        run: ScopeLoad = ScopeLoad(),
        eventsPerSecond: [RateSample] = []
    ) {
        self.bucketWidthMs = bucketWidthMs
        self.nodes = nodes
        self.broker = broker
        self.run = run
        self.eventsPerSecond = eventsPerSecond
    }
}

/// The counters and gauges of one scope.
public struct ScopeLoad: Codable, Sendable, Equatable {
    /// Counter values by name (`messages.in`).
    public var counters: [String: Int64]
    /// Gauge series by name (`queue.depth`).
    public var gauges: [String: GaugeSeries]

    public init(counters: [String: Int64] = [:], gauges: [String: GaugeSeries] = [:]) {
        self.counters = counters
        self.gauges = gauges
    }
}

/// The counters and gauges of one server node.
public struct NodeLoad: Codable, Sendable, Equatable {
    public var node: String
    public var counters: [String: Int64]
    public var gauges: [String: GaugeSeries]

    public init(node: String, counters: [String: Int64] = [:], gauges: [String: GaugeSeries] = [:]) {
        self.node = node
        self.counters = counters
        self.gauges = gauges
    }
}

/// A gauge over the run: its extremes and one sample per time bucket in which it was read.
public struct GaugeSeries: Codable, Sendable, Equatable {
    public var max: Double
    public var last: Double
    public var samples: [GaugeSample]

    public init(max: Double = 0, last: Double = 0, samples: [GaugeSample] = []) {
        self.max = max
        self.last = last
        self.samples = samples
    }
}

/// A gauge's largest and last reading in the bucket starting at `tMs`.
public struct GaugeSample: Codable, Sendable, Equatable {
    public var tMs: Double
    public var max: Double
    public var last: Double

    enum CodingKeys: String, CodingKey {
        case tMs = "t_ms"
        case max, last
    }

    public init(tMs: Double, max: Double, last: Double) {
        self.tMs = tMs
        self.max = max
        self.last = last
    }
}

/// A rate in the bucket starting at `tMs`, per second whatever the bucket width.
public struct RateSample: Codable, Sendable, Equatable {
    public var tMs: Double
    public var perSecond: Double

    enum CodingKeys: String, CodingKey {
        case tMs = "t_ms"
        case perSecond = "per_second"
    }

    public init(tMs: Double, perSecond: Double) {
        self.tMs = tMs
        self.perSecond = perSecond
    }
}

/// A fault in force from `startMs` to `endMs` on the run's clock.
public struct FaultWindow: Codable, Sendable, Equatable {
    /// The scenario's fault kind: `partition`, `latency_spike`, `disconnect`, `crash`, `broker_outage`, ….
    public var kind: String
    /// A human description, e.g. `node-2 ⟂ broker`.
    public var label: String
    /// The fault's place in the scenario's `faults` list, from 1 (what `{during: "fault 2"}` names).
    public var fault: Int?
    public var startMs: Double
    public var endMs: Double

    enum CodingKeys: String, CodingKey {
        case kind, label, fault
        case startMs = "start_ms"
        case endMs = "end_ms"
    }

    public init(kind: String, label: String, fault: Int? = nil, startMs: Double, endMs: Double) {
        self.kind = kind
        self.label = label
        self.fault = fault
        self.startMs = startMs
        self.endMs = endMs
    }
}
