#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Takes the jobs that the Swift runtime gives its global executor on a simulation's loop thread into that
/// simulation's FIFO, through the runtime's `swift_task_enqueueGlobal_hook` (the hook Point-Free's
/// `withMainSerialExecutor` uses to make tests deterministic).
///
/// Why: a simulated task then needs no executor preference. With one (SE-0417), the runtime looked the preference up
/// under the task's status lock (a mutex) at every actor switch, and it could not return from an actor to nonisolated
/// code without a job on the preferred executor: half of `users-10k`'s 1.66 million jobs were such hops, and the
/// lookups alone were 5 % of its instructions (docs/BENCHMARKS.md). Without a preference, nonisolated code runs as the
/// runtime runs it anywhere (on the generic executor, switching inline), and what the runtime would hand to its
/// global pool from the loop thread — a new task, a default actor's turn, a task resumed off an actor — lands in the
/// FIFO instead, in the order the runtime hands it over. Jobs that reach the global executor from any other thread
/// (other tests' tasks in the same process, a live run's event loops) go where they went before.
///
/// The executor is bound to its loop thread only while it runs (`SimExecutor.run…`, and `simulate` starting its
/// root), so nothing is taken in between, and an executor is never reached after it is gone.
///
/// Not through the hook: since Swift 6.2 a sleep on a real clock and `Task.yield()` in nonisolated code go to the
/// default executor directly (`Task.currentExecutor`), so they leave the loop thread. Code the simulator runs uses
/// neither (determinism contract, rule 4); where a test does, the task wakes on the pool and the simulator's checks
/// off its thread (a `SimClock` sleep, a trace record, a `spawn`, a simulated actor's job) report the escape.
///
/// If the runtime has no such hook (`installed` is false), simulated tasks prefer `SimExecutor.taskExecutor` as before.
enum SimGlobalEnqueue {
    typealias Original = @convention(thin) (UnownedJob) -> Void
    typealias Hook = @convention(thin) (UnownedJob, Original) -> Void

    // Why `nonisolated(unsafe)` is safe for these two: each is written once, inside the one-time initializer of
    // `installed` (which the runtime runs under its once-lock, before any hook of ours can be called), and only read
    // afterwards.
    /// The thread-specific slot that holds the executor bound to a loop thread (unretained).
    nonisolated(unsafe) private static var key = pthread_key_t()
    /// The hook installed before ours (by another library in the process), if any: called for jobs that are not ours.
    nonisolated(unsafe) private static var previous: Hook?

    /// Whether the hook is in place (installed once per process, on first use).
    static let installed: Bool = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let enqueue = dlsym(handle, "swift_task_enqueueGlobal_hook"),
              pthread_key_create(&key, nil) == 0 else { return false }
        // The generic executor's reference, made by bit cast below, is two null words: check the layout it assumes.
        precondition(MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<Int>.size,
                     "SimGlobalEnqueue: UnownedSerialExecutor is not two words on this platform")
        let enqueueSlot = enqueue.assumingMemoryBound(to: Hook?.self)
        previous = enqueueSlot.pointee
        enqueueSlot.pointee = { job, original in
            if let executor = SimGlobalEnqueue.boundExecutor() {
                // Not retained for the call (the run that bound it holds it): a retain and a release fewer per job.
                executor._withUnsafeGuaranteedRef { $0.enqueueFromRuntime(job) }
            } else if let previous = SimGlobalEnqueue.previous {
                previous(job, original)
            } else {
                original(job)
            }
        }
        return true
    }()

    /// The generic executor's reference (`SerialExecutorRef::generic()`: no identity, no witness table), to run a job
    /// as nonisolated code, as the runtime's own global executor does.
    static let generic = unsafeBitCast((0, 0), to: UnownedSerialExecutor.self)

    /// The executor bound to the calling thread, if it is a loop thread inside a run.
    @inline(__always)
    private static func boundExecutor() -> Unmanaged<SimExecutor>? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<SimExecutor>.fromOpaque(raw)
    }

    /// Runs `body` with `executor` bound to the calling thread (its loop thread), then restores what was bound before
    /// (a run never nests in another, but a test may drive one executor inside a job of another).
    static func bind<Result>(_ executor: SimExecutor, _ body: () throws -> Result) rethrows -> Result {
        guard installed else { return try body() }
        let before = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(executor).toOpaque())
        defer { pthread_setspecific(key, before) }
        return try body()
    }
}
