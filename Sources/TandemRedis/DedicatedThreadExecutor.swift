import Foundation

/// A serial executor that runs every job on one OS thread of its own, so an actor pinned to it may make
/// blocking C calls (hiredis) without stalling Swift's cooperative pool (2 threads on a 2-core machine).
///
/// Jobs run in the order they were enqueued. `shutdown()` lets the thread finish the jobs already queued
/// and exit; enqueueing after that is a bug (the job would never run) and traps.
final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `stopping` are read and written only while `condition` is locked;
    // everything else is immutable after init.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        precondition(!stopping, "job enqueued on a DedicatedThreadExecutor after shutdown")
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Whether jobs are waiting to run (racy by nature: a hint for batching, never for correctness).
    var hasQueuedJobs: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !jobs.isEmpty
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    private func loop() {
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
