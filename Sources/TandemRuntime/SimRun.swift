/// The result of one `simulate` call: the root's outcome, every failure, and the run's statistics.
///
/// A run is clean only if `failures` is empty; a root that returned a value can still have failed
/// (an escape, leaked work). Print `report` on failure: it names each broken rule.
public struct SimRun<Value: Sendable>: Sendable {
    /// How the root task ended.
    public enum Outcome: Sendable {
        case returned(Value)
        case threw(any Error)
        /// The root was still suspended with nothing left to run.
        case hung
        /// A `SimLimits` maximum stopped the run first.
        case halted
    }

    public let outcome: Outcome
    /// Every failure, escapes first; empty for a clean run.
    public let failures: [SimFailure]
    public let statistics: SimRunStatistics

    init(executor: SimExecutor, result: Result<Value, any Error>?, hung: Bool, hangWaitMillis: Int) {
        var failures = [executor.escapeFailure].compactMap { $0 }
        switch (result, hung) {
        case (.success(let value)?, _):
            outcome = .returned(value)
        case (.failure(let error)?, _):
            outcome = .threw(error)
            failures.append(SimFailure(rule: .rootThrew, message: "the root task threw: \(error)"))
        case (nil, true):
            outcome = .hung
            failures.append(SimFailure(
                rule: .hung,
                message: "the root task is still suspended, but no job is runnable and no timer is live "
                    + "(waited \(hangWaitMillis) ms of wall time for work from other threads): a deadlock in the "
                    + "model, a continuation nobody resumes, a stream nobody finishes, or work sent to "
                    + "@MainActor or Dispatch (spawned tasks still running: \(executor.liveSpawnedTaskCount))"))
        case (nil, false):
            outcome = .halted
        }
        if let haltFailure = executor.haltFailure { failures.append(haltFailure) }
        if result != nil, let pending = executor.pendingWorkFailure() { failures.append(pending) }
        self.failures = failures
        statistics = SimRunStatistics(executor: executor)
    }

    /// The root's value if it returned (even when the run failed for another reason).
    public var value: Value? {
        if case .returned(let value) = outcome { return value }
        return nil
    }

    public var isClean: Bool { failures.isEmpty }

    /// The root's value of a clean run; otherwise throws an error that carries the report.
    public func get() throws(SimRunError) -> Value {
        guard isClean, let value else { throw SimRunError(failures: failures, report: report) }
        return value
    }

    /// A multi-line summary; starts with "simulation FAILED" when any rule was broken.
    public var report: String {
        let header = isClean ? "simulation passed" : "simulation FAILED (\(failures.count) failure(s))"
        return ([header + ": " + statistics.description] + failures.map { "  \($0)" }).joined(separator: "\n")
    }
}

/// Counts of one simulated run, read when `simulate` returned.
public struct SimRunStatistics: Sendable, Equatable, CustomStringConvertible {
    public let virtualNanos: Int64
    public let jobsRunCount: Int
    public let timersFiredCount: Int
    public let traceEventCount: Int
    public let traceHash: UInt64
    public let foreignEnqueueCount: Int
    public let escapeCount: Int
    public let pendingTimerCount: Int
    public let liveSpawnedTaskCount: Int

    init(executor: SimExecutor) {
        virtualNanos = executor.nowNanos
        jobsRunCount = executor.jobsRunCount
        timersFiredCount = executor.timersFiredCount
        traceEventCount = executor.trace.eventCount
        traceHash = executor.trace.hash
        foreignEnqueueCount = executor.foreignEnqueueCount
        escapeCount = executor.escapeCount
        pendingTimerCount = executor.pendingTimerCount
        liveSpawnedTaskCount = executor.liveSpawnedTaskCount
    }

    public var description: String {
        let millis = virtualNanos / 1_000_000
        let fraction = String(virtualNanos % 1_000_000)
        let padded = String(repeating: "0", count: 6 - fraction.count) + fraction
        return "virtual time \(millis).\(padded) ms, trace \(TraceHasher.hex(traceHash)) (\(traceEventCount) events), "
            + "\(jobsRunCount) jobs, \(timersFiredCount) timers, \(escapeCount) escapes"
    }
}

/// The error `SimRun.get()` throws for a failed run; its description is the run's report.
public struct SimRunError: Error, Sendable, CustomStringConvertible {
    public let failures: [SimFailure]
    public let report: String

    public var description: String { report }
}
