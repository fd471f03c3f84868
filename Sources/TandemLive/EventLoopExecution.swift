import Foundation
import NIOCore
import Synchronization
import TandemSim

/// A NIO event loop as a Swift task executor: tasks that prefer it — and the default actors they call, such as the
/// live clients — run on the loop's thread, beside the sockets whose frames they handle, without a thread hop per
/// frame (a hop costs a futex wake-up and a context switch, which dominated the load generator's cost per frame).
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The wall clock on an event loop's timers (no Dispatch timer and no extra thread per sleep), for live clients.
struct LoopClientClock: ClientClock {
    let loop: any EventLoop
    private let origin: NIODeadline

    /// A clock that reads 0 at `zeroAt` on the wall clock (now, by default).
    init(loop: any EventLoop, zeroAt: Date = Date()) {
        self.loop = loop
        origin = .now() - .nanoseconds(Int64(Date().timeIntervalSince(zeroAt) * 1e9))
    }

    var nowNanos: Int64 { (NIODeadline.now() - origin).nanoseconds }

    func sleep(for duration: Duration, isolation: isolated (any Actor)?) async throws {
        let nanos = duration.nanosecondsClamped
        guard nanos > 0 else { return try Task.checkCancellation() }
        let sleep = LoopSleep()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                sleep.start(continuation, on: loop, at: .now() + .nanoseconds(nanos))
            }
        } onCancel: {
            sleep.cancel()
        }
    }
}

/// One sleep on an event loop's timer, whose continuation is resumed exactly once: by the timer, or at once by the
/// task's cancellation. Both can happen — NIO's `Scheduled.cancel()` fails the timer's promise even when the loop has
/// already taken the task to run it in the same tick (or is about to, on another thread), so the timer's body still
/// runs after the failure; resuming from both crashed the load generator ("tried to resume its continuation more
/// than once").
final class LoopSleep: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, any Error>?
        var timer: Scheduled<Void>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Void, any Error>, on loop: any EventLoop, at deadline: NIODeadline) {
        let cancelled = state.withLock { state in
            state.continuation = continuation
            return state.cancelled
        }
        guard !cancelled else { return resume(.failure(CancellationError())) }
        let timer = loop.scheduleTask(deadline: deadline) { self.resume(.success(())) }
        timer.futureResult.whenFailure { self.resume(.failure($0 is EventLoopError ? CancellationError() : $0)) }
        let cancelledMeanwhile = state.withLock { state in
            state.timer = timer
            return state.cancelled
        }
        if cancelledMeanwhile { timer.cancel() }
    }

    func cancel() {
        let timer = state.withLock { state in
            state.cancelled = true
            return state.timer
        }
        timer?.cancel()
        resume(.failure(CancellationError()))
    }

    private func resume(_ result: Result<Void, any Error>) {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
