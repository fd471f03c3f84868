/// The simulator's clock: a `Clock` over virtual nanoseconds, and the sim twin of `SystemClock`.
///
/// Time moves only when the executor's FIFO is empty, so code that sleeps on it sees exactly the
/// delays it asked for. As a `TandemClock`, its wall time is `SimExecutor.wallEpochMillis` plus
/// virtual time (2026-01-01T00:00:00Z at zero by default). Sleeps are cancellation-safe: cancelling
/// the sleeping task resumes it with `CancellationError` without moving time. It is a cheap value:
/// `executor.clock` makes one.
public struct SimClock: Clock, TandemClock {
    public typealias Duration = Swift.Duration

    /// A point in virtual time: nanoseconds since the start of the run.
    public struct Instant: InstantProtocol, CustomStringConvertible {
        public var nanoseconds: Int64

        public init(nanoseconds: Int64) {
            self.nanoseconds = nanoseconds
        }

        public func advanced(by duration: Duration) -> Instant {
            Instant(nanoseconds: nanoseconds.addingSaturating(duration.nanosecondsClamped))
        }

        public func duration(to other: Instant) -> Duration {
            .nanoseconds(other.nanoseconds &- nanoseconds)
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

        public var description: String { "t+\(nanoseconds)ns" }
    }

    public let executor: SimExecutor

    public init(executor: SimExecutor) {
        self.executor = executor
    }

    public var now: Instant { Instant(nanoseconds: executor.nowNanos) }

    public var minimumResolution: Duration { .nanoseconds(1) }

    /// The `Clock` requirement, used by `Task.sleep(for:clock:)`; it runs on the task's executor.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await executor.sleep(untilNanos: deadline.nanoseconds, isolation: nil)
    }

    // MARK: TandemClock

    public func nowNanos() -> Int64 { executor.nowNanos }

    public func wallMillis() -> Int64 { executor.wallEpochMillis &+ executor.nowNanos / 1_000_000 }

    /// Sleeps for `duration` of virtual time. Like every nonisolated async function it runs as nonisolated code (on
    /// the loop thread, in a simulation); `SimExecutor.sleep(for:)` stays on the caller's actor.
    public func sleep(for duration: Duration) async throws {
        try await executor.sleep(for: duration, isolation: nil)
    }
}
