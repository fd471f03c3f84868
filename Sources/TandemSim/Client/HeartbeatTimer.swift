import TandemRuntime

/// A simulated client's heartbeat: a timer the simulation loop calls every half heartbeat (``SimTimerTarget``), where
/// a live client's is a task that sleeps (`SimClient.heartbeatLoop`). Both run `SimClient.heartbeatBeat` at the same
/// times; this way costs no task, no job, no cancellation record and no task switch per beat (a client beats every
/// second: 720,000 beats in `users-10k`).
///
/// The client runs on `executor` (its serial executor), and the loop calls ``timerFired()`` on its thread when no job
/// runs, so `assumeIsolated` holds there (`SimExecutor.checkIsolated`; a beat a second can afford the checked form,
/// where `SimPipe`'s per-delivery call casts). It holds the client weakly: the client holds it (`heartbeatTimer`),
/// and the world holds the clients. `stop` takes the pending beat back.
public final class HeartbeatTimer: SimTimerTarget, Sendable {
    private struct State {
        var pending: SimTimer?
        var stopped = false
    }

    private weak let client: SimClient?
    private let executor: SimExecutor
    private let periodNanos: Int64
    private let state = LockedValue(State())

    /// Starts beating: the first beat one period from now.
    init(client: SimClient, executor: SimExecutor, periodNanos: Int64) {
        self.client = client
        self.executor = executor
        self.periodNanos = periodNanos
        arm()
    }

    private func arm() {
        let pending = executor.call(self, atNanos: executor.nowNanos.addingSaturating(periodNanos))
        state.update { $0.pending = pending }
    }

    public func timerFired() {
        executor.probe()
        guard !state.value.stopped, let client else { return }
        let periodNanos = periodNanos
        let departed = client.assumeIsolated { client in client.heartbeatBeat(periodNanos: periodNanos) }
        if !departed, !state.value.stopped { arm() }
    }

    /// No more beats; the one pending is taken back.
    func stop() {
        let pending = state.update { state -> SimTimer? in
            state.stopped = true
            defer { state.pending = nil }
            return state.pending
        }
        if let pending { executor.cancel(pending) }
    }
}
