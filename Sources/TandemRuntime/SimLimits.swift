/// The named maxima of one simulated run: a runaway model stops with a report instead of a hang.
///
/// Every queue, count and wait of the simulator has a limit here. Reaching one halts the run and
/// adds a `limitExceeded` failure that names the limit.
public struct SimLimits: Sendable, Equatable {
    /// Most sleeping timers at once (live `SimClock` sleeps).
    public var timerCountMax: Int
    /// Most jobs the executor runs in its lifetime.
    public var jobCountMax: Int
    /// Most jobs waiting in the FIFO at once (runaway fan-out).
    public var readyJobCountMax: Int
    /// Latest virtual time a timer may fire at, measured from the start of the run.
    public var virtualTimeMax: Duration
    /// Wall time `simulate` waits, with no jobs or timers left and the root still suspended, for
    /// escaped work to come back before it reports a hang. Never reaches the trace.
    public var hangGraceWallMillis: Int

    public init(
        timerCountMax: Int = 1 << 20,
        jobCountMax: Int = 1 << 40,
        readyJobCountMax: Int = 1 << 24,
        virtualTimeMax: Duration = .seconds(30 * 24 * 3_600),
        hangGraceWallMillis: Int = 200
    ) {
        precondition(timerCountMax > 0 && jobCountMax > 0 && readyJobCountMax > 0, "limits must be positive")
        precondition(virtualTimeMax > .zero && hangGraceWallMillis >= 0, "limits must be positive")
        self.timerCountMax = timerCountMax
        self.jobCountMax = jobCountMax
        self.readyJobCountMax = readyJobCountMax
        self.virtualTimeMax = virtualTimeMax
        self.hangGraceWallMillis = hangGraceWallMillis
    }
}

/// What the executor does when work reaches it from another thread (a task escaped the simulator).
public enum SimEscapePolicy: Sendable, Equatable {
    /// Count it, record a `taskEscaped` failure, hand the work back to the loop thread memory-safely,
    /// and let the run finish so its report can say what escaped. The default.
    case record
    /// Stop the process at the first escape (`preconditionFailure`), for a backtrace in a debugger.
    case trap
}
