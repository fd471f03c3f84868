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
/// It is the `SerialExecutor` of simulated actors, and its `taskExecutor` is the `TaskExecutor` every
/// simulated task prefers (SE-0392, SE-0417); both feed one FIFO. Jobs run in FIFO order on the
/// thread that created the executor (the *loop thread*), only inside `run…` calls: actor jobs as
/// isolated to this executor, nonisolated jobs as nonisolated, so the runtime switches inline from
/// actor to actor and from nonisolated code to nonisolated code. Virtual time advances only when
/// the FIFO is empty, to the earliest timer; timers with the same deadline fire in registration
/// order. Unlike `BareEventLoop` it runs real actors and async code.
///
/// Start a world with `simulate(_:_:)`, which also detects hangs and leaked work.
///
/// - Warning: work that reaches it from another thread is a *task escape* (usually a plain
///   `Task {}`): it is counted and reported as a `taskEscaped` failure, never silently accepted.
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

    /// The executor every simulated task prefers; see `SimTaskExecutor` for why it is a second object.
    public let taskExecutor: SimTaskExecutor

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
        enqueue(SimReadyJob(job: UnownedJob(job), isActorJob: true))
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
    let job: UnownedJob
    let isActorJob: Bool
}

/// Work handed to the loop thread from another thread.
enum SimInboxItem: Sendable {
    case job(SimReadyJob)
    case cancel(SimSleepToken)
}
