#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking simulation work on a new dedicated thread and awaits its result.
///
/// `simulate` blocks its thread; calling it from async code would block a thread of the shared
/// cooperative pool (two threads on a two-core machine), and a task that escapes the simulator would
/// then find no thread to run on. Create the `SimExecutor` inside `body`: that thread becomes its
/// loop thread. Several `SimThread.run` calls in parallel run independent simulations in parallel.
public enum SimThread {
    /// Stack size of a simulation thread (Darwin's default for secondary threads is only 512 KiB).
    public static let stackByteCount = 8 << 20

    public static func run<Result: Sendable>(_ body: @Sendable @escaping () -> Result) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            NativeThread.start(name: "tandem-sim", stackByteCount: stackByteCount) {
                continuation.resume(returning: body())
            }
        }
    }
}
