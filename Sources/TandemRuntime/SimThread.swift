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
            start { continuation.resume(returning: body()) }
        }
    }

    private final class Entry {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private static func start(_ body: @escaping () -> Void) {
        let context = Unmanaged.passRetained(Entry(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackByteCount)
        #if canImport(Darwin)
        var thread: pthread_t?
        let status = pthread_create(&thread, &attributes, { SimThread.enter($0) }, context)
        precondition(status == 0, "SimThread: pthread_create failed (\(status))")
        if let thread { pthread_detach(thread) }
        #else
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { SimThread.enter($0!) }, context)
        precondition(status == 0, "SimThread: pthread_create failed (\(status))")
        pthread_detach(thread)
        #endif
    }

    private static func enter(_ context: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        Unmanaged<Entry>.fromOpaque(context).takeRetainedValue().body()
        return nil
    }
}
