extension SimExecutor {
    /// Suspends the calling task until virtual time reaches `deadlineNanos` (at once if it has).
    ///
    /// The continuation stays on the caller's actor (`isolation`), so no hop is needed. Cancelling
    /// the task resumes it with `CancellationError` at the current virtual time.
    public func sleep(untilNanos deadlineNanos: Int64, isolation: isolated (any Actor)? = #isolation) async throws {
        guard isOnLoopThread else {
            noteEscape(.sleepOffLoop)
            // Memory-safe recovery: continue the sleep on the loop thread (arrival order is not deterministic).
            try await withTaskExecutorPreference(taskExecutor, isolation: nil) {
                try await self.sleepOnLoop(untilNanos: deadlineNanos, isolation: nil)
            }
            return
        }
        try await sleepOnLoop(untilNanos: deadlineNanos, isolation: isolation)
    }

    /// Suspends the calling task for `duration` of virtual time.
    public func sleep(for duration: Duration, isolation: isolated (any Actor)? = #isolation) async throws {
        try await sleep(untilNanos: nowNanos.addingSaturating(duration.nanosecondsClamped), isolation: isolation)
    }

    private func sleepOnLoop(untilNanos deadlineNanos: Int64, isolation: isolated (any Actor)?) async throws {
        precondition(isOnLoopThread, "SimExecutor: a sleep did not return to the simulation loop thread")
        try Task.checkCancellation()
        if timers.liveCount >= limits.timerCountMax {
            _ = halt("timerCountMax", "\(timers.liveCount) timers were sleeping at once")
        }
        let token = timers.reserve(deadlineNanos: Swift.max(deadlineNanos, nowNanos))
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation(isolation: isolation) {
                (continuation: SimTimerQueue.Continuation) in
                if Task.isCancelled {
                    _ = timers.remove(token)
                    continuation.resume(throwing: CancellationError())
                } else {
                    timers.attach(continuation, to: token)
                }
            }
        } onCancel: {
            // Runs synchronously on the cancelling thread: in a clean run that is a loop job.
            if self.isOnLoopThread {
                self.cancelSleep(token)
            } else {
                self.noteEscape(.cancelOffLoop)
                self.pushInbox(.cancel(token))
            }
        }
    }

    /// Resumes a live sleep with `CancellationError`. A sleep that is reserved but not yet attached
    /// is left alone: its registration sees `Task.isCancelled` and throws by itself.
    func cancelSleep(_ token: SimSleepToken) {
        guard let continuation = timers.removeIfAttached(token) else { return }
        continuation.resume(throwing: CancellationError())
    }
}

extension SimExecutor {
    /// Resumes a parked continuation at `deadlineNanos`, as if its task had slept until then.
    ///
    /// For simulator plumbing that parks a task and learns later when it must run next (a pipe's drain task
    /// when a message is sent into it): one timer, no cancellation handler, no extra wake-up job. Call on the
    /// simulation thread; ties with other timers break by registration order, as for sleeps.
    public func resume(_ continuation: UnsafeContinuation<Void, any Error>, atNanos deadlineNanos: Int64) {
        precondition(isOnLoopThread, "SimExecutor.resume(_:atNanos:) must be called on the simulation thread")
        _ = register(.task(continuation), atNanos: deadlineNanos)
    }

    /// Calls `target.timerFired()` on the loop thread at `deadlineNanos` (at once-next if it has passed), as
    /// the loop would resume a task sleeping until then: ties with other timers break by registration order,
    /// and what the call enqueues runs before the next timer fires. No task, no job, no cancellation. Call on
    /// the simulation thread.
    @discardableResult
    public func call(_ target: any SimTimerTarget, atNanos deadlineNanos: Int64) -> SimTimer {
        precondition(isOnLoopThread, "SimExecutor.call(_:atNanos:) must be called on the simulation thread")
        return SimTimer(token: register(.target(target), atNanos: deadlineNanos))
    }

    /// Takes back a `call(_:atNanos:)` that has not fired yet (none of its effects happen, and it never counts as
    /// fired); one that has fired is left alone. Call on the simulation thread.
    public func cancel(_ timer: SimTimer) {
        precondition(isOnLoopThread, "SimExecutor.cancel(_:) must be called on the simulation thread")
        _ = timers.remove(timer.token)
    }

    /// A timer for `resume(_:atNanos:)` and `call(_:atNanos:)` (no cancellation handler: only `cancel` takes it back).
    private func register(_ wake: consuming SimTimerQueue.Wake, atNanos deadlineNanos: Int64) -> SimSleepToken {
        if timers.liveCount >= limits.timerCountMax {
            _ = halt("timerCountMax", "\(timers.liveCount) timers were sleeping at once")
        }
        let token = timers.reserve(deadlineNanos: Swift.max(deadlineNanos, nowNanos))
        timers.attach(wake, to: token)
        return token
    }
}

extension SimExecutor {
    /// Waits until `deadlineNanos` without a cancellation handler: for simulated latencies that no one cancels
    /// (a store round trip, a CPU queue). Cheaper than `sleep`; a cancelled task still waits it out.
    public func pause(untilNanos deadlineNanos: Int64, isolation: isolated (any Actor)? = #isolation) async {
        guard deadlineNanos > nowNanos else { return }
        guard isOnLoopThread else {
            try? await sleep(untilNanos: deadlineNanos, isolation: isolation)
            return
        }
        try? await withUnsafeThrowingContinuation(isolation: isolation) { continuation in
            resume(continuation, atNanos: deadlineNanos)
        }
    }

    /// `pause(untilNanos:)` for a duration from now.
    public func pause(for duration: Duration, isolation: isolated (any Actor)? = #isolation) async {
        await pause(untilNanos: nowNanos.addingSaturating(duration.nanosecondsClamped), isolation: isolation)
    }
}
