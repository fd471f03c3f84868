import Synchronization

/// Bounds expensive work (bcrypt): at most `concurrency` jobs run at once and at most `queueMax` wait;
/// one more is refused at once (`Overloaded`), so a flood of logins can neither take every core from the
/// event loops nor make every login wait behind it without end.
public final class WorkGate: Sendable {
    /// The gate was full: the caller should answer 503 with a `Retry-After`.
    public struct Overloaded: Error, Sendable {}

    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public let concurrency: Int
    public let queueMax: Int
    private let state = Mutex(State())

    public init(concurrency: Int, queueMax: Int) {
        precondition(concurrency >= 1 && queueMax >= 0, "a work gate needs concurrency ≥ 1 and queueMax ≥ 0")
        self.concurrency = concurrency
        self.queueMax = queueMax
    }

    /// Jobs waiting for a slot (for `/metrics`).
    public var queued: Int { state.withLock { $0.waiters.count } }

    /// Runs `work` when a slot is free; throws `Overloaded` without running it when the queue is full.
    public func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await work()
    }

    private func acquire() async throws {
        enum Admission { case now, wait, refuse }
        // Decided under the lock: either a slot, a place in the queue, or a refusal.
        let admission: Admission = state.withLock { state in
            if state.running < concurrency {
                state.running += 1
                return .now
            }
            return state.waiters.count < queueMax ? .wait : .refuse
        }
        switch admission {
        case .now: return
        case .refuse: throw Overloaded()
        case .wait:
            await withCheckedContinuation { continuation in
                let runNow: Bool = state.withLock { state in
                    // A slot may have been freed between the two locks.
                    if state.running < concurrency {
                        state.running += 1
                        return true
                    }
                    state.waiters.append(continuation)
                    return false
                }
                if runNow { continuation.resume() }
            }
        }
    }

    /// Hands the slot to the longest waiter, or frees it.
    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
