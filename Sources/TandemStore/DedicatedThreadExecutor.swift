import Foundation

/// A serial executor that runs every job on one dedicated OS thread, so an actor on it may make blocking C calls.
///
/// Unlike Swift's default actor executors it never borrows a thread of the cooperative pool (two threads on a
/// two-core machine), so a slow `fsync` in SQLite stalls only this store, not every task in the process. Jobs run
/// in the order they were enqueued. Call `shutdown()` when done; the thread ends once the queue is empty.
final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `stopping` and `thread` are read and written only while holding `condition`;
    // `name` is immutable. Jobs themselves run on the dedicated thread only.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var thread: pthread_t?
    let name: String

    /// The most jobs waiting at once; a store that far behind is a bug in its caller (an unbounded fan-in).
    static let queuedJobCountMax = 1 << 20

    init(name: String) {
        self.name = name
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        precondition(jobs.count < Self.queuedJobCountMax, "\(name): more than \(Self.queuedJobCountMax) queued jobs")
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Whether the caller runs on this executor's thread.
    var isCurrent: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    func checkIsolated() {
        precondition(isCurrent, "expected to run on the \(name) thread")
    }

    /// Lets the thread finish the queued jobs and exit.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        condition.lock()
        thread = pthread_self()
        condition.unlock()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}
