import Dispatch
import TandemRuntime
import Synchronization
import Testing

@Suite struct SimExecutorTests {
    @Test func sleepsWithTheSameDeadlineWakeInRegistrationOrder() async throws {
        let (run, events) = await simulateOnThread(
            traceRetainedEventCountMax: 16, inspect: { $0.trace.retainedEvents }
        ) { sim in
            var tasks: [Task<Void, Never>] = []
            for id in [3, 1, 2, 0] {  // registered in this order, all due at 5 ms
                tasks.append(spawn {
                    try? await sim.clock.sleep(until: SimClock.Instant(nanoseconds: 5_000_000))
                    sim.record(1, from: id, to: 0)
                })
            }
            tasks.append(spawn {  // registered last but due first
                try? await sim.clock.sleep(for: .milliseconds(4))
                sim.record(1, from: 9, to: 0)
            })
            for task in tasks { await task.value }
        }
        try run.get()
        #expect(events.map(\.from) == [9, 3, 1, 2, 0])
        #expect(events.map(\.timeNanos) == [4_000_000] + Array(repeating: 5_000_000, count: 4))
    }

    @Test func cancellingASleepingTaskWakesItAtOnceWithoutMovingTime() async throws {
        let run = await simulateOnThread { sim -> (threwCancellation: Bool, wokeAtNanos: Int64, endNanos: Int64) in
            let sleeper = spawn { () async -> (Bool, Int64) in
                do {
                    try await sim.clock.sleep(for: .seconds(3_600))
                    return (false, sim.nowNanos)
                } catch {
                    return (error is CancellationError, sim.nowNanos)
                }
            }
            try await sim.clock.sleep(for: .milliseconds(10))
            sleeper.cancel()
            let (threw, wokeAt) = await sleeper.value
            return (threw, wokeAt, sim.nowNanos)
        }
        let value = try run.get()
        #expect(value.threwCancellation)
        #expect(value.wokeAtNanos == 10_000_000)
        #expect(value.endNanos == 10_000_000)
    }

    @Test func aSleepInAnAlreadyCancelledTaskThrowsImmediately() async throws {
        let run = await simulateOnThread { sim -> Bool in
            let task = spawn { () async -> Bool in  // cancelled below before its first job runs
                do {
                    try await sim.clock.sleep(for: .seconds(1))
                    return false
                } catch {
                    return error is CancellationError
                }
            }
            task.cancel()
            return await task.value
        }
        #expect(try run.get())
        #expect(run.statistics.virtualNanos == 0)
    }

    @Test func runUntilADeadlineStopsThereAndRunUntilIdleFinishes() async {
        let observed = await SimThread.run { () -> [Int64] in
            let sim = SimExecutor()
            Task(executorPreference: sim.taskExecutor) {
                try? await sim.clock.sleep(for: .milliseconds(10))
                sim.record(1, from: 0, to: 0)
            }
            let firstStop = sim.run(until: SimClock.Instant(nanoseconds: 5_000_000))
            let atDeadline = [sim.nowNanos, Int64(sim.trace.eventCount), Int64(sim.pendingTimerCount)]
            let secondStop = sim.runUntilIdle()
            let stops: Int64 = firstStop == .reachedDeadline && secondStop == .idle ? 1 : 0
            return atDeadline + [sim.nowNanos, Int64(sim.trace.eventCount), Int64(sim.pendingTimerCount), stops]
        }
        #expect(observed == [5_000_000, 0, 1, 10_000_000, 1, 0, 1])
    }

    @Test func aRootThatWaitsForeverIsReportedAsHung() async {
        let limits = SimLimits(hangGraceWallMillis: 20)
        let run = await simulateOnThread(limits: limits) { _ in
            await ContinuationParking().park()
        }
        guard case .hung = run.outcome else {
            Issue.record("expected a hang, got \(run.outcome)")
            return
        }
        #expect(run.failures.map(\.rule) == [.hung])
        #expect(run.report.hasPrefix("simulation FAILED"))
        #expect(run.report.contains("deadlock"))
    }

    @Test func aPlainTaskInsideTheSimulationStaysOnItsThread() async throws {
        // The runtime hands the plain task's jobs, enqueued on the loop thread, to the simulator (SimGlobalEnqueue).
        let run = await simulateOnThread { sim -> Int64 in
            await Task {
                try? await Task.sleep(for: .milliseconds(1), clock: sim.clock)
                sim.probe()
                return sim.nowNanos
            }.value
        }
        #expect(try run.get() == 1_000_000)
        #expect(run.isClean)
        #expect(run.statistics.escapeCount == 0 && run.statistics.foreignEnqueueCount == 0)
    }

    @Test func workResumedOnAnotherThreadIsDetectedAndReported() async {
        // The resumed root runs on the global pool, which the other suites' in-process simulations can hold for
        // long stretches on a 2-core machine (CI saw 77 s): a generous grace keeps its late return from reading as a
        // hang. Unstarved, it returns within milliseconds and the grace is never waited out.
        let run = await simulateOnThread(limits: SimLimits(hangGraceWallMillis: 600_000)) { sim in
            // Negative control: a continuation resumed by a Dispatch queue continues off the loop.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async { continuation.resume() }
            }
            sim.probe()
        }
        #expect(!run.isClean)
        #expect(run.statistics.escapeCount > 0)
        #expect(run.failures.contains { $0.rule == .taskEscaped })
        #expect(run.report.contains("a task escaped the simulator: work ran or was enqueued off the simulation thread"))
        #expect(run.report.contains("SimExecutor.probe() call(s) off the simulation thread"))
        #expect(throws: SimRunError.self) { try run.get() }
    }

    @Test func aSleepOnARealClockEscapesAndIsReportedWhereItTouchesTheSimulation() async {
        // Swift hands a real clock's sleep (and `Task.yield()`) to its default executor directly, past the hook that
        // brings jobs to the simulator: the task wakes on the pool, and the simulator's next check off its thread
        // reports it.
        let run = await simulateOnThread(limits: SimLimits(hangGraceWallMillis: 600_000)) { sim in
            try? await Task.sleep(for: .milliseconds(1))  // negative control: the continuous clock, not the simulator's
            sim.probe()
        }
        #expect(run.failures.contains { $0.rule == .taskEscaped })
        #expect(run.report.contains("SimExecutor.probe() call(s) off the simulation thread"))
    }

    @Test func aSleepCancelledFromAnotherThreadWakesSafelyAndIsReported() async {
        let run = await simulateOnThread { sim -> Bool in
            let sleeper = spawn { () async -> Bool in
                do {
                    try await sim.clock.sleep(for: .seconds(60))
                    return false
                } catch {
                    return error is CancellationError
                }
            }
            try await sim.clock.sleep(for: .milliseconds(1))
            let cancelled = Atomic<Bool>(false)
            DispatchQueue.global().async {  // negative control: cancels off the loop
                sleeper.cancel()
                cancelled.store(true, ordering: .releasing)
            }
            // Keep the FIFO busy so virtual time cannot run ahead while the other thread cancels.
            while !cancelled.load(ordering: .acquiring) { try await sim.clock.sleep(for: .zero) }
            return await sleeper.value
        }
        #expect(run.value == true)
        #expect(run.statistics.virtualNanos < 60_000_000_000)
        #expect(run.report.contains("cancelled from another thread"))
    }

    @Test func theTrapPolicyStopsTheProcessAtTheFirstEscape() async {
        await #expect(processExitsWith: .failure) {
            let sim = SimExecutor(escapePolicy: .trap)
            _ = simulate(sim) {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().async {  // off the loop
                        sim.probe()
                        continuation.resume()
                    }
                }
            }
        }
    }

    @Test func theSameWorkThroughSpawnDoesNotEscape() async throws {
        let run = await simulateOnThread { sim in
            await spawn {
                try? await Task.sleep(for: .milliseconds(1), clock: sim.clock)
                sim.probe()
            }.value
        }
        try run.get()
        #expect(run.statistics.escapeCount == 0 && run.statistics.foreignEnqueueCount == 0)
    }

    @Test func aRootThatLeavesWorkPendingFails() async {
        let run = await simulateOnThread { sim in
            spawn {
                while true { try? await sim.clock.sleep(for: .milliseconds(5)) }
            }
            try await sim.clock.sleep(for: .milliseconds(12))
        }
        #expect(run.failures.map(\.rule) == [.workPending])
        #expect(run.statistics.liveSpawnedTaskCount == 1)
        #expect(run.statistics.virtualNanos == 12_000_000)
        #expect(run.report.contains("1 spawned task(s) running, 1 sleep(s) waiting"))
    }

    @Test func cancellingTheSpawnedTaskBeforeReturningLeavesTheRunClean() async throws {
        let run = await simulateOnThread { sim in
            let loop = spawn {
                while !Task.isCancelled { try? await sim.clock.sleep(for: .milliseconds(5)) }
            }
            try await sim.clock.sleep(for: .milliseconds(12))
            loop.cancel()
        }
        try run.get()
        #expect(run.statistics.liveSpawnedTaskCount == 0 && run.statistics.pendingTimerCount == 0)
    }

    @Test func aRootThatThrowsFails() async {
        struct Boom: Error {}
        let run = await simulateOnThread { _ in throw Boom() }
        #expect(run.failures.map(\.rule) == [.rootThrew])
    }

    @Test func tooManySleepingTimersHaltTheRunNamingTheLimit() async {
        let run = await simulateOnThread(limits: SimLimits(timerCountMax: 4)) { sim in
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { try? await sim.clock.sleep(for: .seconds(1)) } }
            }
        }
        guard case .halted = run.outcome else {
            Issue.record("expected a halt, got \(run.outcome)")
            return
        }
        #expect(run.failures.map(\.rule) == [.limitExceeded])
        #expect(run.report.contains("SimLimits.timerCountMax"))
    }

    @Test func aTimerBeyondTheVirtualTimeLimitHaltsTheRun() async {
        let run = await simulateOnThread(limits: SimLimits(virtualTimeMax: .seconds(60))) { sim in
            try await sim.clock.sleep(for: .seconds(61))
        }
        #expect(run.failures.map(\.rule) == [.limitExceeded])
        #expect(run.report.contains("SimLimits.virtualTimeMax"))
    }

    @Test func continuationsResumedBySimulatedActorsStayOnTheLoop() async throws {
        let run = await simulateOnThread { sim in
            let parking = ContinuationParking()
            let waiter = spawn { await parking.park() }
            try await sim.clock.sleep(for: .milliseconds(1))
            await parking.resumeAll(with: 7)
            sim.probe()
            return await waiter.value
        }
        #expect(try run.get() == 7)
    }
}

/// Records each call of `timerFired` in the trace, and on its first call starts a task with `spawn`.
private final class RecordingTarget: SimTimerTarget {
    let sim: SimExecutor
    let id: Int
    let spawned = Mutex<Task<Void, Never>?>(nil)

    init(sim: SimExecutor, id: Int) {
        self.sim = sim
        self.id = id
    }

    func timerFired() {
        sim.record(2, from: id, to: 0)
        let started = spawned.withLock { $0 != nil }
        guard !started else { return }
        let sim = self.sim
        let id = self.id
        let task = spawn {
            try? await sim.clock.sleep(for: .milliseconds(1))
            sim.record(3, from: id, to: 0)
        }
        spawned.withLock { $0 = task }
    }
}

@Suite struct SimTimerTargetTests {
    @Test func aTargetIsCalledAtItsDeadlineInRegistrationOrderWithSleepsAndItsSpawnsStayInTheSimulation() async throws {
        let (run, events) = await simulateOnThread(
            traceRetainedEventCountMax: 16, inspect: { $0.trace.retainedEvents }
        ) { sim in
            let first = RecordingTarget(sim: sim, id: 1)
            let second = RecordingTarget(sim: sim, id: 2)
            let sleeper = spawn {  // registers its 5 ms sleep when it runs, after the two calls below
                try? await sim.clock.sleep(until: SimClock.Instant(nanoseconds: 5_000_000))
                sim.record(1, from: 9, to: 0)
            }
            sim.call(second, atNanos: 5_000_000)
            sim.call(first, atNanos: 5_000_000)
            sim.call(first, atNanos: 2_000_000)
            await sleeper.value
            for target in [first, second] { await target.spawned.withLock { $0 }?.value }
        }
        try run.get()
        // (time, kind, from): the 2 ms call, its spawned task 1 ms later, then the 5 ms ties in registration order.
        #expect(events.map { [$0.timeNanos / 1_000_000, Int64($0.kind), Int64($0.from)] } == [
            [2, 2, 1], [3, 3, 1], [5, 2, 2], [5, 2, 1], [5, 1, 9], [6, 3, 2],
        ])
        #expect(run.isClean)  // the targets' `spawn`s found the simulator: no escape
        #expect(run.statistics.escapeCount == 0)
    }
}

/// Timers in their thousands, many sharing a deadline, some taken back and their slots used again: each fires once, in
/// deadline order and, at one deadline, in registration order (what the timer queue's packed entries must keep).
@Suite struct SimTimerOrderTests {
    /// What fired, in order. Touched only on the loop thread (by the timers, and by the test after the run).
    private final class Log: @unchecked Sendable {
        var fired: [Int] = []
    }

    private final class Recorder: SimTimerTarget, @unchecked Sendable {  // (immutable but for the log, as above)
        let index: Int
        let log: Log

        init(index: Int, log: Log) {
            self.index = index
            self.log = log
        }

        func timerFired() { log.fired.append(index) }
    }

    @Test func manyTimersFireInDeadlineThenRegistrationOrder() async {
        let (fired, expected) = await SimThread.run { () -> ([Int], [Int]) in
            let sim = SimExecutor()
            let log = Log()
            var random = SplitMix64(seed: 7)
            var kept: [(deadline: Int64, index: Int)] = []
            var timers: [SimTimer] = []
            for index in 0..<19_998 {
                let deadline = Int64(random.bounded(500)) * 1_000  // 500 distinct deadlines: ties everywhere
                timers.append(sim.call(Recorder(index: index, log: log), atNanos: deadline))
                if index % 3 == 1 { continue }  // taken back by the next one
                if index % 3 == 2 { sim.cancel(timers[index - 1]) }  // its slot is free for the next registration
                kept.append((deadline, index))
            }
            sim.runUntilIdle()
            let expected = kept.sorted { $0.deadline != $1.deadline ? $0.deadline < $1.deadline : $0.index < $1.index }
            return (log.fired, expected.map(\.index))
        }
        #expect(fired.count == 13_332)
        let firstOutOfOrder = zip(fired, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstOutOfOrder == nil)
    }
}
