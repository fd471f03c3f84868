import Synchronization

/// A cumulative latency histogram with fixed upper bounds in seconds, in Prometheus's shape
/// (`_bucket{le=…}`, `_sum`, `_count`). Observations are lock-protected counters: cheap enough per commit.
public final class LatencyHistogram: Sendable {
    /// Upper bounds in seconds, ascending; `+Inf` is implied.
    public let bounds: [Double]

    /// A copy of the histogram at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Observations at or below each bound (cumulative), then the total for `+Inf`.
        public var cumulativeCounts: [Int]
        public var sumSeconds: Double
        public var count: Int
    }

    private struct State {
        var counts: [Int]
        var sum = 0.0
        var count = 0
    }

    private let state: Mutex<State>

    public static let commitBoundsSeconds = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ]

    public init(bounds: [Double] = LatencyHistogram.commitBoundsSeconds) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        self.bounds = bounds
        self.state = Mutex(State(counts: Array(repeating: 0, count: bounds.count + 1)))
    }

    public func observe(seconds: Double) {
        let index = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        state.withLock { state in
            state.counts[index] += 1
            state.sum += seconds
            state.count += 1
        }
    }

    public func snapshot() -> Snapshot {
        state.withLock { state in
            var running = 0
            let cumulative = state.counts.map { count -> Int in
                running += count
                return running
            }
            return Snapshot(cumulativeCounts: cumulative, sumSeconds: state.sum, count: state.count)
        }
    }
}
