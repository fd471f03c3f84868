/// A recorder's whole state as plain data, so that recorders filled by separate processes (the shards of one live
/// run) can be written down and merged into the recorder one process would have filled.
///
/// Latency is kept as raw samples (when sent, how long, who measured it), not as percentiles: percentiles do not
/// add up, samples do. Rebuilding a recorder replays every sample in the order it was taken, so the run's
/// histograms, the per-second series and every scoped window come out as one recorder would have made them.
/// The one loss: a sample clamped on the way in (negative, or above `highestTrackableLatencyNanos`) is replayed at
/// its clamped value's time; such samples are counted in the report either way.
extension MetricsRecorder {
    public struct Snapshot: Codable, Sendable, Equatable {
        public var bucketWidthNanos: Int64
        public var highestTrackableLatencyNanos: Int64
        public var openBucketCountMax: Int
        public var timeBucketCountMax: Int64
        /// Who measured the samples: `origins[sample.origin]`.
        public var origins: [SnapshotOrigin]
        /// One entry per latency kind that has samples.
        public var latency: [SnapshotLatency]
        public var counters: [SnapshotCounter]
        public var gauges: [SnapshotGauge]
        /// Engine events per time bucket.
        public var events: [Int64]
        public var faults: [SnapshotFault]

        enum CodingKeys: String, CodingKey {
            case bucketWidthNanos = "bucket_width_ns"
            case highestTrackableLatencyNanos = "highest_trackable_latency_ns"
            case openBucketCountMax = "open_bucket_count_max"
            case timeBucketCountMax = "time_bucket_count_max"
            case origins, latency, counters, gauges, events, faults
        }
    }

    public struct SnapshotOrigin: Codable, Sendable, Equatable, Hashable {
        public var node: String?
        public var group: String?
    }

    /// The samples of one latency kind, column by column (`sent_ns[i]`, `value_ns[i]`, `origin[i]` are sample i).
    public struct SnapshotLatency: Codable, Sendable, Equatable {
        public var kind: String
        public var sentNanos: [Int64]
        public var valueNanos: [Int64]
        public var origin: [UInt32]
        public var clamped: UInt64

        enum CodingKeys: String, CodingKey {
            case kind
            case sentNanos = "sent_ns"
            case valueNanos = "value_ns"
            case origin, clamped
        }
    }

    public struct SnapshotCounter: Codable, Sendable, Equatable {
        public var name: String
        /// `run`, `broker` or `node:<name>`.
        public var scope: String
        public var value: Int64
    }

    public struct SnapshotGauge: Codable, Sendable, Equatable {
        public var name: String
        public var scope: String
        public var sampleCount: Int64
        public var max: Double
        public var last: Double
        /// `[bucket index, max, last]` per bucket.
        public var buckets: [[Double]]

        enum CodingKeys: String, CodingKey {
            case name, scope
            case sampleCount = "sample_count"
            case max, last, buckets
        }
    }

    public struct SnapshotFault: Codable, Sendable, Equatable {
        public var kind: String
        public var label: String
        public var fault: Int?
        public var startNanos: Int64
        public var endNanos: Int64

        enum CodingKeys: String, CodingKey {
            case kind, label, fault
            case startNanos = "start_ns"
            case endNanos = "end_ns"
        }
    }

    /// How counters of the same name and scope from several snapshots combine.
    public enum CounterMerge: Sendable {
        /// Each snapshot counted its own share (a shard's clients): add them up.
        case sum
        /// Each snapshot read the same quantity (a server's own counter, scraped by every shard): keep the largest.
        case max
    }

    /// Everything recorded so far.
    public func snapshot() -> Snapshot {
        Snapshot(
            bucketWidthNanos: configuration.bucketWidthNanos,
            highestTrackableLatencyNanos: configuration.highestTrackableLatencyNanos,
            openBucketCountMax: configuration.openBucketCountMax,
            timeBucketCountMax: configuration.timeBucketCountMax,
            origins: origins.map { SnapshotOrigin(node: $0.node, group: $0.group) },
            latency: LatencyKind.allCases.compactMap { kind in
                let samples = latencySamples[kind.rawValue]
                guard !samples.isEmpty else { return nil }
                return SnapshotLatency(
                    kind: kind.name, sentNanos: samples.map(\.sentNanos), valueNanos: samples.map(\.valueNanos),
                    origin: samples.map(\.origin), clamped: latencyTracks[kind.rawValue].clampedSampleCount)
            },
            counters: counterKeys.indices.map { index in
                SnapshotCounter(name: counterKeys[index].name, scope: Self.scopeText(counterKeys[index].scope),
                                value: counterValues[index])
            },
            gauges: gaugeKeys.indices.map { index in
                let track = gaugeTracks[index]
                return SnapshotGauge(
                    name: gaugeKeys[index].name, scope: Self.scopeText(gaugeKeys[index].scope),
                    sampleCount: track.sampleCount, max: track.maxValue, last: track.lastValue,
                    buckets: track.buckets.map { [Double($0.bucketIndex), $0.max, $0.last] })
            },
            events: eventCounts,
            faults: faults.map {
                SnapshotFault(kind: $0.kind, label: $0.label, fault: $0.number, startNanos: $0.startNanos,
                              endNanos: $0.endNanos)
            })
    }

    /// The recorder that holds everything `snapshots` hold, as if one process had recorded it all: latency samples
    /// replayed in the order they were taken, counters combined by `counterMerge` (default: summed), gauges by
    /// bucket (the largest maximum; the last value of the snapshot whose sample was latest in the bucket is not
    /// known, so the largest last value), events summed per bucket, and a fault noted by several snapshots (the same
    /// fault number, or the same kind, label and start) kept once, spanning from its earliest start to its latest
    /// end.
    public init(
        merging snapshots: [Snapshot], counterMerge: (_ name: String, _ scope: MetricScope) -> CounterMerge = { _, _ in .sum }
    ) throws(SnapshotError) {
        guard let first = snapshots.first else { throw SnapshotError("nothing to merge") }
        for other in snapshots.dropFirst() {
            guard other.bucketWidthNanos == first.bucketWidthNanos,
                  other.highestTrackableLatencyNanos == first.highestTrackableLatencyNanos
            else { throw SnapshotError("the recorders were configured differently (bucket width or latency range)") }
        }
        for snapshot in snapshots {
            for latency in snapshot.latency where LatencyKind(name: latency.kind) == nil {
                throw SnapshotError("unknown latency kind \"\(latency.kind)\"")
            }
        }
        self.init(configuration: Configuration(
            bucketWidthNanos: first.bucketWidthNanos, highestTrackableLatencyNanos: first.highestTrackableLatencyNanos,
            openBucketCountMax: first.openBucketCountMax, timeBucketCountMax: first.timeBucketCountMax))

        // Latency: every sample in the order it was taken (its send time plus its value), ties in snapshot order.
        for kind in LatencyKind.allCases {
            var merged: [(atNanos: Int64, value: Int64, origin: OriginID)] = []
            var clamped: UInt64 = 0
            for snapshot in snapshots {
                guard let latency = snapshot.latency.first(where: { $0.kind == kind.name }) else { continue }
                guard latency.sentNanos.count == latency.valueNanos.count,
                      latency.origin.count == latency.valueNanos.count
                else { throw SnapshotError("latency \(kind.name): its columns differ in length") }
                clamped &+= latency.clamped
                for index in latency.valueNanos.indices {
                    let originIndex = Int(latency.origin[index])
                    guard originIndex < snapshot.origins.count else {
                        throw SnapshotError("latency \(kind.name): sample \(index) names origin \(originIndex) of "
                                            + "\(snapshot.origins.count)")
                    }
                    let origin = snapshot.origins[originIndex]
                    merged.append((latency.sentNanos[index] + latency.valueNanos[index], latency.valueNanos[index],
                                   originID(node: origin.node, group: origin.group)))
                }
            }
            // A stable sort: samples taken at the same time keep their snapshots' order.
            let ordered = merged.enumerated().sorted {
                $0.element.atNanos != $1.element.atNanos ? $0.element.atNanos < $1.element.atNanos : $0.offset < $1.offset
            }
            for (_, sample) in ordered {
                recordLatency(kind, valueNanos: sample.value, atNanos: max(0, sample.atNanos), origin: sample.origin)
            }
            // Replaying clamped values clamps nothing again; the snapshots' own count is the truth.
            latencyTracks[kind.rawValue].clampedSampleCount = clamped
        }

        for snapshot in snapshots {
            for counter in snapshot.counters {
                let scope = try Self.scope(counter.scope)
                let id = counterID(counter.name, scope: scope)
                switch counterMerge(counter.name, scope) {
                case .sum: counterValues[id.index] &+= counter.value
                case .max: counterValues[id.index] = Swift.max(counterValues[id.index], counter.value)
                }
            }
            for gauge in snapshot.gauges {
                let id = gaugeID(gauge.name, scope: try Self.scope(gauge.scope))
                for bucket in gauge.buckets {
                    guard bucket.count == 3 else { throw SnapshotError("gauge \(gauge.name): a bucket is not [index, max, last]") }
                    gaugeTracks[id.index].merge(bucketIndex: Int64(bucket[0]), max: bucket[1], last: bucket[2])
                }
                gaugeTracks[id.index].sampleCount &+= gauge.sampleCount
            }
            if snapshot.events.count > eventCounts.count {
                eventCounts.append(contentsOf: repeatElement(0, count: snapshot.events.count - eventCounts.count))
            }
            for (index, count) in snapshot.events.enumerated() { eventCounts[index] &+= count }
            for fault in snapshot.faults {
                if let index = faults.firstIndex(where: { known in
                    fault.fault != nil ? known.number == fault.fault
                        : known.number == nil && known.kind == fault.kind && known.label == fault.label
                            && known.startNanos == fault.startNanos
                }) {
                    faults[index].startNanos = Swift.min(faults[index].startNanos, fault.startNanos)
                    faults[index].endNanos = Swift.max(faults[index].endNanos, fault.endNanos)
                } else {
                    faults.append(FaultRecord(kind: fault.kind, label: fault.label, number: fault.fault,
                                              startNanos: fault.startNanos, endNanos: fault.endNanos))
                }
            }
        }
    }

    static func scopeText(_ scope: MetricScope) -> String {
        switch scope {
        case .run: "run"
        case .broker: "broker"
        case .node(let node): "node:" + node
        }
    }

    static func scope(_ text: String) throws(SnapshotError) -> MetricScope {
        switch text {
        case "run": return .run
        case "broker": return .broker
        default:
            guard text.hasPrefix("node:"), text.count > 5 else {
                throw SnapshotError("unknown scope \"\(text)\" (run, broker or node:<name>)")
            }
            return .node(String(text.dropFirst(5)))
        }
    }
}

/// Why snapshots could not be merged.
public struct SnapshotError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

extension GaugeTrack {
    /// Folds another recorder's bucket into this track.
    mutating func merge(bucketIndex: Int64, max: Double, last: Double) {
        if sampleCount == 0 && buckets.isEmpty || max > maxValue { maxValue = max }
        let low = position(of: bucketIndex)
        if low < buckets.count, buckets[low].bucketIndex == bucketIndex {
            buckets[low].max = Swift.max(buckets[low].max, max)
            buckets[low].last = Swift.max(buckets[low].last, last)
        } else {
            buckets.insert(Bucket(bucketIndex: bucketIndex, max: max, last: last), at: low)
        }
        if low == buckets.count - 1 { lastValue = buckets[low].last }
    }
}
