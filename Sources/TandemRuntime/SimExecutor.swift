import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The deterministic executor of a simulated world: one thread, a FIFO of jobs and virtual time.
///
/// It is the `SerialExecutor` of simulated actors, and while it runs it takes every job the runtime gives its
/// global executor on its thread (`SimGlobalEnqueue`: new tasks, default actors' turns, nonisolated code); all of
/// them feed one FIFO. Jobs run in FIFO order on the thread that created the executor (the *loop thread*), only
/// inside `run…` calls: actor jobs as isolated to this executor, the others as the global executor runs them, so the
/// runtime switches inline from actor to actor and between actors and nonisolated code. Virtual time advances only when
/// the FIFO is empty, to the earliest timer; timers with the same deadline fire in registration
/// order. Unlike `BareEventLoop` it runs real actors and async code.
///
/// Start a world with `simulate(_:_:)`, which also detects hangs and leaked work.
///
/// - Warning: work that reaches it from another thread, or leaves its thread (a sleep on a real clock), is a *task
///   escape*: it is counted and reported as a `taskEscaped` failure, never silently accepted. Work resumed on another
///   thread that belongs to no simulated actor (a continuation resumed by a thread of one's own, a Dispatch queue) runs
///   on the runtime's pool, where no executor sees it: code the simulator runs never does that (determinism
///   contract, rule 4); the determinism tests (same seed, same trace, across processes) are the net.
//
// Why `@unchecked Sendable` is safe: every stored `var` is read and written only on the loop
// thread. Each member that another thread can reach (`enqueue`, `sleep`, the cancellation
// handler, `record`, `probe`, `spawn` bookkeeping) checks `isOnLoopThread` first and, off the loop,
// touches only the `Mutex` and `Atomic` members. `run…`, `simulate` and the `var` getters
// `precondition` that they are on the loop thread; `nowNanos` is an `Atomic`.
public final class SimExecutor: SerialExecutor, @unchecked Sendable {
    public let limits: SimLimits
    public let escapePolicy: SimEscapePolicy
    /// Wall-clock epoch of `SimClock.wallMillis()`: Unix milliseconds at virtual time zero.
    public let wallEpochMillis: Int64
    /// 2026-01-01T00:00:00Z in Unix milliseconds, the default `wallEpochMillis`.
    public static let wallEpochMillisDefault: Int64 = 1_767_225_600_000

    /// The executor simulated tasks prefer where the runtime has no global enqueue hook (`SimGlobalEnqueue`); see
    /// `SimTaskExecutor` for why it is a second object.
    public let taskExecutor: SimTaskExecutor

    /// The executor preference of the tasks `simulate` and `spawn` start: none where `SimGlobalEnqueue` takes the
    /// runtime's global jobs on the loop thread, else `taskExecutor`.
    public var spawnPreference: (any TaskExecutor)? { SimGlobalEnqueue.installed ? nil : taskExecutor }

    // Loop-thread state.
    //
    // Why the hot ones are `@exclusivity(unchecked)`: each of them is touched on the loop thread only, and every
    // access is one statement that calls out to nothing that can reach the same member (`runLoop` swaps `ready`
    // into `batch` and iterates a copy; a job it runs appends to `ready` or registers a timer, which no enclosing
    // access of `runLoop` spans; `SimTimerQueue` and `TraceHasher` call no one). So the run-time exclusivity check
    // Swift makes on every access to a class's stored property can never fire here, and it cost about 2.5 % of a
    // large simulation's instructions (callgrind of `scale-1000x10`, docs/BENCHMARKS.md, *Simulator*).
    @exclusivity(unchecked) var ready: [SimReadyJob] = []
    @exclusivity(unchecked) var batch: [SimReadyJob] = []
    @exclusivity(unchecked) var timers = SimTimerQueue()
    @exclusivity(unchecked) var jobsRun = 0
    @exclusivity(unchecked) var timersFired = 0
    @exclusivity(unchecked) var traceHasher: TraceHasher
    var simulateStarted = false
    /// The limit failure that halted the run, if any.
    var haltFailure: SimFailure?

    // State any thread may touch.
    let loopThread: pthread_t
    let virtualNanos = Atomic<Int64>(0)
    let inbox = Mutex<[SimInboxItem]>([])
    let inboxItemCount = Atomic<Int>(0)
    let escapeCounts = Mutex<[Int]>([Int](repeating: 0, count: SimEscapeSite.allCases.count))
    let foreignEnqueues = Atomic<Int>(0)
    let liveSpawnedTasks = Atomic<Int>(0)
    /// Set when the root of `simulate` returned: from then on virtual time stands still.
    let rootFinished = Atomic<Bool>(false)

    /// Creates an executor whose loop thread is the calling thread.
    public init(
        limits: SimLimits = SimLimits(),
        escapePolicy: SimEscapePolicy = .record,
        wallEpochMillis: Int64 = SimExecutor.wallEpochMillisDefault,
        traceRetainedEventCountMax: Int = 0
    ) {
        self.limits = limits
        self.escapePolicy = escapePolicy
        self.wallEpochMillis = wallEpochMillis
        self.traceHasher = TraceHasher(retainedEventCountMax: traceRetainedEventCountMax)
        self.loopThread = pthread_self()
        self.taskExecutor = SimTaskExecutor()
        taskExecutor.simulator = self
    }

    /// True on the thread that created the executor, the only thread that runs its jobs.
    @inline(__always)
    public var isOnLoopThread: Bool { pthread_equal(pthread_self(), loopThread) != 0 }

    /// Current virtual time in nanoseconds since the start of the run (readable from any thread).
    @inline(__always)
    public var nowNanos: Int64 { virtualNanos.load(ordering: .relaxed) }

    /// The `Clock` (and `TandemClock`) of this simulation.
    public var clock: SimClock { SimClock(executor: self) }

    // MARK: Executor conformances

    /// Enqueues a job isolated to a simulated actor.
    public func enqueue(_ job: consuming ExecutorJob) {
        enqueue(SimReadyJob(job: UnownedJob(job), kind: .actor))
    }

    /// A job the runtime gave its global executor on this loop thread while it runs (`SimGlobalEnqueue`).
    @inline(__always)
    func enqueueFromRuntime(_ job: UnownedJob) {
        ready.append(SimReadyJob(job: job, kind: .global))
    }

    @inline(__always)
    func enqueue(_ entry: SimReadyJob) {
        if isOnLoopThread {
            ready.append(entry)
        } else {
            foreignEnqueues.add(1, ordering: .relaxed)
            noteEscape(.foreignEnqueue)
            pushInbox(.job(entry))
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    public func checkIsolated() {
        precondition(isOnLoopThread, "SimExecutor: not on the simulation loop thread")
    }

    public func isIsolatingCurrentContext() -> Bool? { isOnLoopThread }

    // MARK: Statistics (loop thread)

    public var jobsRunCount: Int { loopOnly(jobsRun) }
    public var timersFiredCount: Int { loopOnly(timersFired) }
    /// Live `SimClock` sleeps that have neither fired nor been cancelled.
    public var pendingTimerCount: Int { loopOnly(timers.liveCount) }
    public var readyJobCount: Int { loopOnly(ready.count) }
    /// The trace of observable events recorded so far with `record`.
    public var trace: TraceHasher { loopOnly(traceHasher) }
    /// Jobs that arrived from another thread (each one is also a `taskEscaped` failure).
    public var foreignEnqueueCount: Int { foreignEnqueues.load(ordering: .relaxed) }
    /// Tasks started with `spawn` under this executor whose bodies have not returned yet.
    public var liveSpawnedTaskCount: Int { liveSpawnedTasks.load(ordering: .relaxed) }
    /// True when no job is runnable and no timer is live.
    public var isIdle: Bool { loopOnly(ready.isEmpty && timers.liveCount == 0) }

    @inline(__always)
    func loopOnly<T>(_ value: @autoclosure () -> T) -> T {
        precondition(isOnLoopThread, "SimExecutor state read off the simulation loop thread")
        return value()
    }

    // MARK: Trace

    /// Records one observable event at the current virtual time.
    public func record(_ kind: UInt8, from: Int, to: Int, payload: UInt64 = 0) {
        guard isOnLoopThread else { return noteEscape(.recordOffLoop) }
        traceHasher.add(timeNanos: nowNanos, kind: kind, from: from, to: to, payload: payload)
    }

    /// Records one observable event with a byte payload at the current virtual time.
    public func record(_ kind: UInt8, from: Int, to: Int, bytes: some Sequence<UInt8>) {
        guard isOnLoopThread else { return noteEscape(.recordOffLoop) }
        traceHasher.add(timeNanos: nowNanos, kind: kind, from: from, to: to, bytes: bytes)
    }

    /// Notes an escape if called off the loop thread; put it in code that must run in the simulator.
    public func probe() {
        if !isOnLoopThread { noteEscape(.probeOffLoop) }
    }
}

/// A runnable job and the context it runs in: isolated to the simulator's actors, or nonisolated
/// on its task executor.
struct SimReadyJob: Sendable {
    /// How the loop runs a job.
    enum Kind: UInt8 {
        /// Isolated to a simulated actor (one whose serial executor is the `SimExecutor`).
        case actor
        /// Nonisolated, of a task that prefers the `SimTaskExecutor`: run on it.
        case preferred
        /// From the runtime's global executor (`SimGlobalEnqueue`): a task's nonisolated code, or a default actor's
        /// turn, run as the global executor runs it.
        case global
    }

    let job: UnownedJob
    let kind: Kind
}

/// Work handed to the loop thread from another thread.
enum SimInboxItem: Sendable {
    case job(SimReadyJob)
    case cancel(SimSleepToken)
}
