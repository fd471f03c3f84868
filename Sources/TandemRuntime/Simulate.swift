import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` as the root task of a simulated world on `executor` and drives the loop until it returns.
///
/// The root task starts on the loop thread (its jobs, and those of every task it starts there, go to `executor`:
/// `SimGlobalEnqueue`) and binds `SimRuntime.executor`, so `async let`, task groups and every `spawn {}` below it
/// stay in the simulation. Once the root returns, the jobs runnable at that
/// virtual instant run, time stops, and anything still outstanding is a `workPending` failure. If
/// nothing is runnable, no timer is live and the root is still suspended, `simulate` waits
/// `SimLimits.hangGraceWallMillis` of wall time for escaped work to come back, then reports `hung`.
///
/// Call it on the thread that created `executor`, once per executor. It blocks that thread: from
/// async code (a test), wrap it in `SimThread.run { }`.
public func simulate<Value: Sendable>(
    _ executor: SimExecutor,
    _ body: @Sendable @escaping () async throws -> Value
) -> SimRun<Value> {
    precondition(executor.isOnLoopThread, "simulate must be called on the thread that created the SimExecutor")
    precondition(!executor.simulateStarted, "simulate runs once per SimExecutor: create one executor per run")
    executor.simulateStarted = true
    let rootResult = SimRootResult<Value>()
    SimRuntime.$executor.withValue(executor) {
        let root: @Sendable () async -> Void = {
            let result: Result<Value, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            rootResult.store(result)
            executor.rootFinished.store(true, ordering: .relaxed)
        }
        // Bound while the task is created: its first job is enqueued now, before the loop runs.
        _ = SimGlobalEnqueue.bind(executor) { makeTask(preferring: executor.spawnPreference, priority: nil, root) }
    }
    var hangWaitMillis = 0
    var hung = false
    while true {
        let stop = executor.runUntilIdle()
        if rootResult.isStored { break }
        if case .halted = stop { break }
        if executor.hasInboxItems { continue }
        if hangWaitMillis >= executor.limits.hangGraceWallMillis {
            hung = true
            break
        }
        usleep(1_000)  // determinism: ok (hang detection waits on the wall clock; it never reaches the trace)
        hangWaitMillis += 1
    }
    return SimRun(executor: executor, result: rootResult.take(), hung: hung, hangWaitMillis: hangWaitMillis)
}

/// The root task's result, written once on the loop thread and read by `simulate`.
private final class SimRootResult<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)

    func store(_ value: Result<Value, any Error>) { result.withLock { $0 = value } }

    var isStored: Bool { result.withLock { $0 != nil } }

    func take() -> Result<Value, any Error>? { result.withLock { $0 } }
}
