#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached OS thread running a closure: the one place Tandem creates threads (the simulator's
/// own thread, and the dedicated threads of blocking C libraries), without Foundation.
enum NativeThread {
    private final class Entry {
        let name: String?
        let body: () -> Void
        init(name: String?, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    static func start(name: String? = nil, stackByteCount: Int, _ body: @escaping () -> Void) {
        let context = Unmanaged.passRetained(Entry(name: name, body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackByteCount)
        #if canImport(Darwin)
        var thread: pthread_t?
        let status = pthread_create(&thread, &attributes, { NativeThread.enter($0) }, context)
        precondition(status == 0, "pthread_create failed (\(status))")
        if let thread { pthread_detach(thread) }
        #else
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { NativeThread.enter($0!) }, context)
        precondition(status == 0, "pthread_create failed (\(status))")
        pthread_detach(thread)
        #endif
    }

    private static func enter(_ context: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        // The name is kept for debugging; Glibc's module does not export pthread_setname_np.
        let entry = Unmanaged<Entry>.fromOpaque(context).takeRetainedValue()
        entry.body()
        return nil
    }
}
