import TandemRuntime

/// A simulated client's heartbeat: a timer the simulation loop calls every half heartbeat (``SimTimerTarget``), where
/// a live client's is a task that sleeps (`SimClient.heartbeatLoop`). Both run `SimClient.heartbeatBeat` at the same
/// times; this way costs no task, no job, no cancellation record and no task switch per beat (a client beats every
/// second: 720,000 beats in `users-10k`).
///
/// The client runs on `executor` (its serial executor), and the loop calls ``timerFired()`` on its thread when no job
/// runs, so `assumeIsolated` holds there (`SimExecutor.checkIsolated`; a beat a second can afford the checked form,
/// where `SimPipe`'s per-delivery call casts). `stop` takes the pending beat back.
///
/// It holds the client strongly until `stop`, which the client calls whenever its connection ends and when it departs
/// or finishes: the client holds the timer too (`heartbeatTimer`), and the cycle ends there. Not weakly: an object
/// anything holds weakly carries a side table, and every retain and release of it goes through that table (a client
/// is retained on every delivery; see `ConnectionRef`).
// Why `@unchecked Sendable` is safe: its only mutable state is `LoopLocal`, which simulated code alone touches, and
// simulated code runs only on the simulation's loop thread, one job or timer at a time (`SimExecutor`).
public final class HeartbeatTimer: SimTimerTarget, @unchecked Sendable {
    private struct State {
        var client: SimClient?
        var pending: SimTimer?
    }

    private let executor: SimExecutor
    private let periodNanos: Int64
    @exclusivity(unchecked) private var state: LoopLocal<State>

    /// Starts beating: the first beat one period from now.
    init(client: SimClient, executor: SimExecutor, periodNanos: Int64) {
        self.executor = executor
        self.periodNanos = periodNanos
        state = LoopLocal(State(client: client))
        arm()
    }

    private func arm() {
        let pending = executor.call(self, atNanos: executor.nowNanos.addingSaturating(periodNanos))
        state.update { $0.pending = pending }
    }

    public func timerFired() {
        executor.probe()
        guard let client = state.value.client else { return }
        let periodNanos = periodNanos
        let departed = client.assumeIsolated { client in client.heartbeatBeat(periodNanos: periodNanos) }
        if !departed, state.value.client != nil { arm() }
    }

    /// No more beats; the one pending is taken back.
    func stop() {
        let pending = state.update { state -> SimTimer? in
            state.client = nil
            defer { state.pending = nil }
            return state.pending
        }
        if let pending { executor.cancel(pending) }
    }
}
