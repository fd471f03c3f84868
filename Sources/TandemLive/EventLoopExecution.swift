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
        let scheduled = Mutex<Scheduled<Void>?>(nil)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let task = loop.scheduleTask(in: .nanoseconds(nanos)) { continuation.resume() }
                task.futureResult.whenFailure { continuation.resume(throwing: $0 is EventLoopError ? CancellationError() : $0) }
                scheduled.withLock { $0 = task }
                if Task.isCancelled { task.cancel() }
            }
        } onCancel: {
            scheduled.withLock { $0?.cancel() }
        }
    }
}
