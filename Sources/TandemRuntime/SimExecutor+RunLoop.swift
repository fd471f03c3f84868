/// Why a `run…` call of `SimExecutor` returned.
public enum SimRunStop: Sendable, Equatable {
    /// No job is runnable and no timer is live.
    case idle
    /// The next timer is after the requested deadline; virtual time now equals the deadline.
    case reachedDeadline
    /// The root of `simulate` returned and every job runnable at that instant has run.
    case rootFinished
    /// A `SimLimits` maximum was reached; the failure names it.
    case halted(SimFailure)
}

extension SimExecutor {
    /// Runs jobs and timers until nothing is left (or the root of `simulate` returned).
    @discardableResult
    public func runUntilIdle() -> SimRunStop {
        run(untilNanos: .max)
    }

    /// Runs jobs and timers whose deadline is at or before `deadline`, then sets the time to it.
    @discardableResult
    public func run(until deadline: SimClock.Instant) -> SimRunStop {
        run(untilNanos: deadline.nanoseconds)
    }

    /// Runs for `duration` of virtual time from now.
    @discardableResult
    public func run(for duration: Duration) -> SimRunStop {
        run(untilNanos: nowNanos.addingSaturating(duration.nanosecondsClamped))
    }

    /// The loop: drain the FIFO (jobs enqueued meanwhile run in the same pass, in order), then
    /// pull work that came from other threads, then fire exactly one timer, and repeat.
    @discardableResult
    public func run(untilNanos limitNanos: Int64) -> SimRunStop {
        precondition(isOnLoopThread, "SimExecutor.run must be called on the thread that created the executor")
        // Jobs run with their own task's values; a `SimTimerTarget` runs outside any task, and finds the
        // simulator (for `spawn`) through this binding.
        return SimRuntime.$executor.withValue(self) { SimGlobalEnqueue.bind(self) { runLoop(untilNanos: limitNanos) } }
    }

    private func runLoop(untilNanos limitNanos: Int64) -> SimRunStop {
        if let failure = haltFailure { return .halted(failure) }
        let serialExecutor = asUnownedSerialExecutor()
        let taskExecutor = self.taskExecutor.asUnownedTaskExecutor()
        // Without executor preferences (`SimGlobalEnqueue`), an actor's job runs isolated to it and nothing more, so
        // that its task returns to nonisolated code inline; with them, it also names the task executor they prefer.
        let preferences = !SimGlobalEnqueue.installed
        let generic = SimGlobalEnqueue.generic
        let virtualNanosMax = limits.virtualTimeMax.nanosecondsClamped
        while true {
            while !ready.isEmpty {
                if ready.count > limits.readyJobCountMax {
                    return halt("readyJobCountMax", "\(ready.count) jobs were runnable at once")
                }
                swap(&ready, &batch)
                for entry in batch {
                    switch entry.kind {
                    case .actor:
                        if preferences {
                            entry.job.runSynchronously(isolatedTo: serialExecutor, taskExecutor: taskExecutor)
                        } else {
                            entry.job.runSynchronously(on: serialExecutor)
                        }
                    case .preferred: entry.job.runSynchronously(on: taskExecutor)
                    case .global: entry.job.runSynchronously(on: generic)
                    }
                }
                jobsRun += batch.count
                batch.removeAll(keepingCapacity: true)
                if jobsRun >= limits.jobCountMax {
                    return halt("jobCountMax", "\(jobsRun) jobs have run")
                }
            }
            if drainInbox() { continue }
            if let failure = haltFailure { return .halted(failure) }
            if rootFinished.load(ordering: .relaxed) { return .rootFinished }
            guard let deadline = timers.nextDeadlineNanos() else { return .idle }
            guard deadline <= limitNanos else {
                if limitNanos > nowNanos { virtualNanos.store(limitNanos, ordering: .relaxed) }
                return .reachedDeadline
            }
            guard deadline <= virtualNanosMax else {
                return halt("virtualTimeMax", "a timer is due at \(deadline) ns")
            }
            guard let wake = timers.popNext() else { continue }
            if deadline > nowNanos { virtualNanos.store(deadline, ordering: .relaxed) }
            timersFired += 1
            switch consume wake {  // (taken apart, not copied: a retain and a release fewer per timer)
            case .task(let continuation):
                continuation.resume()  // enqueues the sleeper's job on this thread
            case .target(let target):
                // Nothing is runnable now, so this runs exactly where the job of a task resumed at this
                // instant would have run.
                target.timerFired()
            }
        }
    }

    func halt(_ limitName: String, _ detail: String) -> SimRunStop {
        let failure = SimFailure(
            rule: .limitExceeded,
            message: "SimLimits.\(limitName) reached (\(detail)); the run was halted at \(nowNanos) ns")
        if haltFailure == nil { haltFailure = failure }
        return .halted(haltFailure ?? failure)
    }

    func pushInbox(_ item: SimInboxItem) {
        inbox.withLock { items in
            items.append(item)
            inboxItemCount.store(items.count, ordering: .releasing)
        }
    }

    /// True when another thread handed work to the loop that `drainInbox` has not taken yet.
    var hasInboxItems: Bool { inboxItemCount.load(ordering: .acquiring) > 0 }

    /// Moves work from other threads into the FIFO; its arrival order is not deterministic.
    func drainInbox() -> Bool {
        guard hasInboxItems else { return false }
        let items = inbox.withLock { items in
            defer {
                items.removeAll()
                inboxItemCount.store(0, ordering: .releasing)
            }
            return items
        }
        for item in items {
            switch item {
            case .job(let entry): ready.append(entry)
            case .cancel(let token): cancelSleep(token)
            }
        }
        return !items.isEmpty
    }
}
