/// Sorted, disjoint, half-open stretches `[start, end)` of a run's clock in nanoseconds.
///
/// ``contains(_:)`` is the one rule that attributes a sample to a window: a message sent at a window's start is
/// in it, one sent at its end is not. Report windows and scoped thresholds all go through it.
public struct SpanSet: Sendable, Equatable {
    public struct Span: Sendable, Equatable {
        public var startNanos: Int64
        public var endNanos: Int64

        public init(startNanos: Int64, endNanos: Int64) {
            self.startNanos = startNanos
            self.endNanos = endNanos
        }
    }

    /// Non-empty, sorted by start, neither overlapping nor touching.
    public private(set) var spans: [Span]

    /// The union of `spans`; empty ones are dropped.
    public init(_ spans: [Span]) {
        var merged: [Span] = []
        for span in spans.filter({ $0.endNanos > $0.startNanos }).sorted(by: { $0.startNanos < $1.startNanos }) {
            if let last = merged.last, span.startNanos <= last.endNanos {
                merged[merged.count - 1].endNanos = max(last.endNanos, span.endNanos)
            } else {
                merged.append(span)
            }
        }
        self.spans = merged
    }

    /// The spans a report lists, back in nanoseconds.
    init(_ spans: [TimeSpan]) {
        self.init(spans.map {
            Span(startNanos: MetricCatalog.nanos(ms: $0.startMs), endNanos: MetricCatalog.nanos(ms: $0.endMs))
        })
    }

    /// Whether a message sent at `nanos` belongs here: `start <= nanos < end` for one of the spans.
    public func contains(_ nanos: Int64) -> Bool {
        var low = 0
        var high = spans.count
        while low < high {
            let middle = (low + high) / 2
            if spans[middle].endNanos <= nanos { low = middle + 1 } else { high = middle }
        }
        return low < spans.count && spans[low].startNanos <= nanos
    }

    /// `[0, endNanos)` minus these spans.
    func complement(endNanos: Int64) -> SpanSet {
        var result: [Span] = []
        var cursor: Int64 = 0
        for span in spans {
            if span.startNanos > cursor {
                result.append(Span(startNanos: cursor, endNanos: min(span.startNanos, endNanos)))
            }
            cursor = max(cursor, span.endNanos)
        }
        if cursor < endNanos { result.append(Span(startNanos: cursor, endNanos: endNanos)) }
        return SpanSet(result)
    }

    /// These spans without the times `other` covers.
    func subtracting(_ other: SpanSet) -> SpanSet {
        guard let last = (spans.map(\.endNanos) + other.spans.map(\.endNanos)).max() else { return self }
        let outsideOther = other.complement(endNanos: last)
        var result: [Span] = []
        for span in spans {
            for keep in outsideOther.spans where keep.startNanos < span.endNanos && keep.endNanos > span.startNanos {
                result.append(
                    Span(startNanos: max(span.startNanos, keep.startNanos), endNanos: min(span.endNanos, keep.endNanos))
                )
            }
        }
        return SpanSet(result)
    }

    /// These spans cut to `[0, endNanos)`.
    func clipped(endNanos: Int64) -> SpanSet {
        SpanSet(spans.map { Span(startNanos: max(0, $0.startNanos), endNanos: min($0.endNanos, endNanos)) })
    }

    /// The spans as a report lists them, in milliseconds.
    var reportSpans: [TimeSpan] {
        spans.map {
            TimeSpan(startMs: Milliseconds.from(nanos: $0.startNanos), endMs: Milliseconds.from(nanos: $0.endNanos))
        }
    }
}

/// When each fault and each phase of a run was in force: what the time part of a ``LatencyScope`` is resolved
/// against, once the run is over (a `disconnect` fault's end is known only when its last client is back).
public struct RunTimeline: Sendable, Equatable {
    /// One fault's window; `number` is its place in the scenario's `faults` list, from 1.
    public struct Fault: Sendable, Equatable {
        public var number: Int
        public var startNanos: Int64
        public var endNanos: Int64

        public init(number: Int, startNanos: Int64, endNanos: Int64) {
            self.number = number
            self.startNanos = startNanos
            self.endNanos = endNanos
        }
    }

    /// One phase of the load curve; `number` is its place in the scenario's `phases` list, from 1.
    public struct Phase: Sendable, Equatable {
        public var number: Int
        public var isSteady: Bool
        public var startNanos: Int64
        public var endNanos: Int64

        public init(number: Int, isSteady: Bool, startNanos: Int64, endNanos: Int64) {
            self.number = number
            self.isSteady = isSteady
            self.startNanos = startNanos
            self.endNanos = endNanos
        }
    }

    public var faults: [Fault]
    public var phases: [Phase]
    /// The end of the run; every window is cut there.
    public var endNanos: Int64

    public init(faults: [Fault] = [], phases: [Phase] = [], endNanos: Int64) {
        self.faults = faults
        self.phases = phases
        self.endNanos = endNanos
    }

    /// The stretches of the run that `time` covers; nil means the whole run.
    public func spans(_ time: LatencyScope.Time?) -> SpanSet {
        let result: SpanSet
        switch time {
        case nil:
            result = SpanSet([SpanSet.Span(startNanos: 0, endNanos: endNanos)])
        case .outsideFaults?:
            let disturbed =
                spans(.during(.all)).spans
                + spans(.after(.all, forNanos: LatencyScope.recoveryDefaultNanos)).spans
            result = SpanSet(disturbed).complement(endNanos: endNanos)
        case .during(let selection)?:
            result = SpanSet(faults(selection).map { SpanSet.Span(startNanos: $0.startNanos, endNanos: $0.endNanos) })
        case .after(let selection, let length)?:
            let recoveries = SpanSet(
                faults(selection).map { SpanSet.Span(startNanos: $0.endNanos, endNanos: $0.endNanos + length) }
            )
            // `after: faults` leaves out times when another fault is in force, so that steady state, during faults
            // and recovery split the run; the recovery of one fault is exactly what was asked.
            if case .all = selection {
                result = recoveries.subtracting(spans(.during(.all)))
            } else {
                result = recoveries
            }
        case .phase(let selection)?:
            let chosen = phases.filter { phase in
                switch selection {
                case .steady: phase.isSteady
                case .ramp: !phase.isSteady
                case .number(let number): phase.number == number
                }
            }
            result = SpanSet(chosen.map { SpanSet.Span(startNanos: $0.startNanos, endNanos: $0.endNanos) })
        }
        return result.clipped(endNanos: endNanos)
    }

    private func faults(_ selection: LatencyScope.Faults) -> [Fault] {
        switch selection {
        case .all: faults
        case .number(let number): faults.filter { $0.number == number }
        }
    }
}

/// A stretch of a run as a report lists it.
public struct TimeSpan: Codable, Sendable, Equatable {
    public var startMs: Double
    public var endMs: Double

    enum CodingKeys: String, CodingKey {
        case startMs = "start_ms"
        case endMs = "end_ms"
    }

    public init(startMs: Double, endMs: Double) {
        self.startMs = startMs
        self.endMs = endMs
    }
}
