#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The production `TandemClock`: `ContinuousClock` for monotonic time, `CLOCK_REALTIME` for wall time.
///
/// Its twin in the simulator is `SimClock`. Only the executables construct it; engine code receives
/// it as an `any TandemClock`.
public struct SystemClock: TandemClock {
    public init() {}

    /// Nanoseconds since the first reading of any `SystemClock` in this process.
    public func nowNanos() -> Int64 {
        systemClockOrigin.duration(to: ContinuousClock.now).nanosecondsClamped  // determinism: ok (production only)
    }

    public func wallMillis() -> Int64 {
        var time = timespec()
        let status = clock_gettime(CLOCK_REALTIME, &time)  // determinism: ok (production only)
        precondition(status == 0, "clock_gettime(CLOCK_REALTIME) failed")
        return Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
    }

    public func sleep(for duration: Duration) async throws {
        try await ContinuousClock().sleep(for: duration)  // determinism: ok (production only)
    }
}

/// Origin of `SystemClock.nowNanos()`, fixed at its first use so every instance shares it.
private let systemClockOrigin = ContinuousClock.now  // determinism: ok (production only)
