#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A serial executor that runs every job on one dedicated OS thread, so an actor on it may make blocking C
/// calls (sqlite3, hiredis).
///
/// Swift's default actors borrow threads of the cooperative pool — two on a two-core machine — so a blocking
/// `fsync` or `XREAD BLOCK` there would stall every task in the process. Jobs run in the order they were
/// enqueued. Call `shutdown()` when done; the thread finishes the queued jobs and exits.
public final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `stopping` and `thread` are read and written only while holding `mutex`
    // (a pthread mutex, paired with `condition`); `name` is immutable. Jobs run on the dedicated thread only.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var thread: pthread_t?
    public let name: String

    /// The most jobs waiting at once; an executor that far behind is a bug in its caller (an unbounded fan-in).
    public static let queuedJobCountMax = 1 << 20

    public init(name: String, stackByteCount: Int = 1 << 20) {
        self.name = name
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        NativeThread.start(name: name, stackByteCount: stackByteCount) { [self] in runLoop() }
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        locked {
            precondition(jobs.count < Self.queuedJobCountMax, "\(name): more than \(Self.queuedJobCountMax) queued jobs")
            jobs.append(unowned)
            pthread_cond_signal(condition)
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Whether the caller runs on this executor's thread.
    public var isCurrent: Bool {
        locked { thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    public func checkIsolated() {
        precondition(isCurrent, "expected to run on the \(name) thread")
    }

    /// Whether jobs are waiting to run (racy by nature: a hint for batching, never for correctness).
    public var hasQueuedJobs: Bool { locked { !jobs.isEmpty } }

    /// Lets the thread finish the queued jobs and exit.
    public func shutdown() {
        locked {
            stopping = true
            pthread_cond_signal(condition)
        }
    }

    private func runLoop() {
        locked { thread = pthread_self() }
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopping { pthread_cond_wait(condition, mutex) }
            if jobs.isEmpty {
                pthread_mutex_unlock(mutex)
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(mutex)
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}
