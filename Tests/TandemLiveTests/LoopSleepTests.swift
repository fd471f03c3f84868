import NIOCore
import NIOPosix
import Testing

@testable import TandemLive

/// The live clients' sleep on an event loop's timer (`LoopClientClock`).
@Suite struct LoopSleepTests {
    /// NIO's loop takes every timer that is due out of its queue and then runs them one by one; a timer that runs first
    /// and cancels a sleep due in the same tick fails that sleep's timer promise, and the sleep's own timer body still
    /// runs after it. The sleep must end once, cancelled (resuming its continuation twice crashed the load generator).
    @Test func aSleepCancelledByATimerOfTheSameTickEndsOnceAsCancelled() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        for _ in 0..<20 {
            let sleep = LoopSleep()
            let outcome: Result<Void, any Error> = await withCheckedContinuation { done in
                Task {
                    do {
                        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                            loop.execute {
                                let deadline = NIODeadline.now() + .milliseconds(5)
                                // Scheduled first at the same deadline: runs first in the tick that runs both.
                                loop.scheduleTask(deadline: deadline) { sleep.cancel() }
                                sleep.start(continuation, on: loop, at: deadline)
                            }
                        }
                        done.resume(returning: .success(()))
                    } catch {
                        done.resume(returning: .failure(error))
                    }
                }
            }
            #expect(throws: CancellationError.self) { try outcome.get() }
        }
        // The loop is still alive and its timers still fire: a plain sleep on it ends normally.
        let clock = LoopClientClock(loop: loop)
        try await clock.sleep(for: .milliseconds(2), isolation: nil)
        try await group.shutdownGracefully()
    }

    /// A sleep nobody cancels ends when its timer fires; one cancelled before it fires ends at once, cancelled.
    @Test func aSleepEndsWhenItsTimerFiresOrAtOnceWhenCancelled() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clock = LoopClientClock(loop: group.next())
        let start = ContinuousClock.now
        try await clock.sleep(for: .milliseconds(20), isolation: nil)
        #expect(ContinuousClock.now - start >= .milliseconds(20))
        let long = Task { try await clock.sleep(for: .seconds(600), isolation: nil) }
        long.cancel()
        await #expect(throws: CancellationError.self) { try await long.value }
        try await group.shutdownGracefully()
    }
}
