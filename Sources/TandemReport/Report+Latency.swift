/// One summary per `LatencyKind`, readable by kind.
public protocol LatencyByKind {
    var propagation: LatencySummary { get set }
    var ack: LatencySummary { get set }
    var presence: LatencySummary { get set }
}

extension LatencyByKind {
    public subscript(kind: LatencyKind) -> LatencySummary {
        get {
            switch kind {
            case .propagation: propagation
            case .ack: ack
            case .presence: presence
            }
        }
        set {
            switch kind {
            case .propagation: propagation = newValue
            case .ack: ack = newValue
            case .presence: presence = newValue
            }
        }
    }
}

/// The latency section of a report: one summary per `LatencyKind`.
public struct LatencyReport: Codable, Sendable, Equatable, LatencyByKind {
    /// The width of the over-time buckets.
    public var bucketWidthMs: Double
    public var propagation: LatencySummary
    public var ack: LatencySummary
    public var presence: LatencySummary
    /// The latency of parts of the run: steady state, during faults and recovery, then one window per other scope a
    /// threshold names.
    public var windows: [LatencyWindow]

    enum CodingKeys: String, CodingKey {
        case bucketWidthMs = "bucket_width_ms"
        case propagation, ack, presence, windows
    }

    public init(
        bucketWidthMs: Double = 1_000,
        propagation: LatencySummary = LatencySummary(),
        ack: LatencySummary = LatencySummary(),
        presence: LatencySummary = LatencySummary(),
        windows: [LatencyWindow] = []
    ) {
        self.bucketWidthMs = bucketWidthMs
        self.propagation = propagation
        self.ack = ack
        self.presence = presence
        self.windows = windows
    }

    /// The window of `scope`, if the report has one.
    public func window(_ scope: LatencyScope) -> LatencyWindow? {
        let text = scope.description
        return windows.first { $0.scope == text }
    }
}

/// The latency of the samples one ``LatencyScope`` takes: those whose message was sent within `spans`, measured by
/// the scope's node or group if it names one. Summaries have no `cdf` or `over_time`.
public struct LatencyWindow: Codable, Sendable, Equatable, LatencyByKind {
    /// The scope's canonical text, as inside a threshold's braces: `outside: faults`.
    public var scope: String
    /// A heading for people.
    public var label: String
    /// When the window was open: sorted, disjoint, half-open.
    public var spans: [TimeSpan]
    public var propagation: LatencySummary
    public var ack: LatencySummary
    public var presence: LatencySummary

    public init(
        scope: String, label: String, spans: [TimeSpan], propagation: LatencySummary = LatencySummary(),
        ack: LatencySummary = LatencySummary(), presence: LatencySummary = LatencySummary()
    ) {
        self.scope = scope
        self.label = label
        self.spans = spans
        self.propagation = propagation
        self.ack = ack
        self.presence = presence
    }

    /// How long the window was open, in milliseconds.
    public var lengthMs: Double { spans.reduce(0) { $0 + ($1.endMs - $1.startMs) } }
}

/// The distribution of one latency kind over a whole run, in milliseconds rounded to the microsecond.
///
/// Percentiles come from an HDR histogram with three significant digits, so each is exact to 0.1 %. All are zero
/// when `count` is zero.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    public var p999Ms: Double
    public var maxMs: Double
    public var meanMs: Double
    /// Samples outside 0 … the histogram's highest trackable value, recorded at the nearest bound.
    public var clampedCount: UInt64
    /// Samples that arrived after their time bucket had closed: in the totals, not in `overTime`.
    public var lateCount: UInt64
    /// Points of the cumulative distribution, for plotting.
    public var cdf: [PercentilePoint]
    /// One entry per non-empty time bucket, oldest first.
    public var overTime: [LatencyBucket]

    enum CodingKeys: String, CodingKey {
        case count
        case p50Ms = "p50_ms"
        case p90Ms = "p90_ms"
        case p99Ms = "p99_ms"
        case p999Ms = "p999_ms"
        case maxMs = "max_ms"
        case meanMs = "mean_ms"
        case clampedCount = "clamped_count"
        case lateCount = "late_count"
        case cdf
        case overTime = "over_time"
    }

    public init(
        count: UInt64 = 0,
        p50Ms: Double = 0,
        p90Ms: Double = 0,
        p99Ms: Double = 0,
        p999Ms: Double = 0,
        maxMs: Double = 0,
        meanMs: Double = 0,
        clampedCount: UInt64 = 0,
        lateCount: UInt64 = 0,
        cdf: [PercentilePoint] = [],
        overTime: [LatencyBucket] = []
    ) {
        self.count = count
        self.p50Ms = p50Ms
        self.p90Ms = p90Ms
        self.p99Ms = p99Ms
        self.p999Ms = p999Ms
        self.maxMs = maxMs
        self.meanMs = meanMs
        self.clampedCount = clampedCount
        self.lateCount = lateCount
        self.cdf = cdf
        self.overTime = overTime
    }
}

/// One point of a latency distribution: `percentile` % of samples were at or below `valueMs`.
public struct PercentilePoint: Codable, Sendable, Equatable {
    public var percentile: Double
    public var valueMs: Double

    enum CodingKeys: String, CodingKey {
        case percentile
        case valueMs = "value_ms"
    }

    public init(percentile: Double, valueMs: Double) {
        self.percentile = percentile
        self.valueMs = valueMs
    }
}

/// The latency of one time bucket: the samples recorded at `tMs` … `tMs + bucket width`.
public struct LatencyBucket: Codable, Sendable, Equatable {
    /// The start of the bucket on the run's clock.
    public var tMs: Double
    public var p50Ms: Double
    public var p99Ms: Double
    public var count: UInt64

    enum CodingKeys: String, CodingKey {
        case tMs = "t_ms"
        case p50Ms = "p50_ms"
        case p99Ms = "p99_ms"
        case count
    }

    public init(tMs: Double, p50Ms: Double, p99Ms: Double, count: UInt64) {
        self.tMs = tMs
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.count = count
    }
}
