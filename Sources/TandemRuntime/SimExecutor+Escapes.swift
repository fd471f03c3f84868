extension SimExecutor {
    /// Counts one escape at `site`; under `.trap` stops the process with the rule's message.
    func noteEscape(_ site: SimEscapeSite) {
        escapeCounts.withLock { $0[site.rawValue] += 1 }
        if escapePolicy == .trap {
            preconditionFailure("\(SimEscapeSite.rule). Seen: \(site.detail).")
        }
    }

    /// The `taskEscaped` failure, listing every site where an escape was seen, or nil for none.
    public var escapeFailure: SimFailure? {
        SimEscapeSite.failure(counts: escapeCounts.withLock { $0 })
    }

    /// Total escapes seen at every site.
    public var escapeCount: Int { escapeCounts.withLock { $0.reduce(0, +) } }

    /// A `workPending` failure if spawned tasks, sleeps or runnable jobs are still outstanding.
    public func pendingWorkFailure() -> SimFailure? {
        precondition(isOnLoopThread, "SimExecutor.pendingWorkFailure must be called on the loop thread")
        let spawned = liveSpawnedTaskCount
        let sleeping = timers.liveCount
        let runnable = ready.count
        guard spawned > 0 || sleeping > 0 || runnable > 0 else { return nil }
        let next = timers.nextDeadlineNanos().map {
            " (the first wakes at \($0 / 1_000_000) ms of virtual time, \(($0 - nowNanos) / 1_000_000) ms after the root "
                + "returned)"
        } ?? ""
        return SimFailure(
            rule: .workPending,
            message: "work was still pending when the root task returned: \(spawned) spawned task(s) running, "
                + "\(sleeping) sleep(s) waiting\(next), \(runnable) job(s) runnable. Stop loops, finish streams and "
                + "resume continuations before the root returns, or cancel the Task that spawn {} returned")
    }

    func spawnStarted() {
        if !isOnLoopThread { noteEscape(.spawnOffLoop) }
        liveSpawnedTasks.add(1, ordering: .relaxed)
    }

    func spawnFinished() {
        liveSpawnedTasks.subtract(1, ordering: .relaxed)
    }
}
