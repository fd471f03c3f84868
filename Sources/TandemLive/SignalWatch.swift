import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM as an event to await, so a live run stops what it started instead of dying with it.
public final class SignalWatch: Sendable {
    private let state = Mutex<(signal: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
    /// Kept so the handlers stay installed. `nonisolated(unsafe)`: written once, in `start`, before the
    /// watch is handed out, and never read; dispatch sources are themselves thread-safe.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    private init() {}

    /// Takes over SIGINT and SIGTERM for the rest of the process.
    public static func start() -> SignalWatch {
        let watch = SignalWatch()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { watch.deliver(number) }
            source.resume()
            sources.append(source)
        }
        watch.sources = sources
        return watch
    }

    /// The first signal received (at once if one already came).
    public func first() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received: Int32? = state.withLock { state in
                if let signal = state.signal { return signal }
                state.waiters.append(continuation)
                return nil
            }
            if let received { continuation.resume(returning: received) }
        }
    }

    /// True once a signal came.
    public var received: Bool { state.withLock { $0.signal != nil } }

    /// The first signal received, if one came.
    public var receivedSignal: Int32? { state.withLock { $0.signal } }

    private func deliver(_ number: Int32) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            if state.signal == nil { state.signal = number }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: number) }
    }
}
