/// The engine's source of time, the same protocol in production and in the simulator.
///
/// Engine code reads time only through this protocol, never through `Date()`, `.now` or
/// `Task.sleep`: production injects `SystemClock`, the simulator injects `SimClock`.
public protocol TandemClock: Sendable {
    /// Monotonic nanoseconds (sim: virtual time since start; production: ContinuousClock since process start).
    func nowNanos() -> Int64
    /// Milliseconds since the Unix epoch for timestamps people read (sim: a fixed epoch + virtual time).
    func wallMillis() -> Int64
    func sleep(for duration: Duration) async throws
}
