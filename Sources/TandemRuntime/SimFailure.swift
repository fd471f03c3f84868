/// One reason a simulated run failed, naming the rule it broke.
///
/// A run with any failure is a failed run, even if its root task returned a value: an escape makes
/// the trace nondeterministic, pending work means the model leaked a task, a hang means a deadlock.
public struct SimFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rule a failure broke; the raw value is the stable name printed in reports.
    public enum Rule: String, Sendable, Equatable {
        /// Work ran or was enqueued off the simulation thread (determinism contract, rules 3 and 6).
        case taskEscaped = "task-escaped"
        /// The root returned while spawned tasks or sleeps were still outstanding.
        case workPending = "work-pending"
        /// No jobs and no timers were left while the root task was still suspended.
        case hung = "hung"
        /// A `SimLimits` maximum was reached; the run was halted.
        case limitExceeded = "limit-exceeded"
        /// The root task threw.
        case rootThrew = "root-threw"
    }

    public let rule: Rule
    public let message: String
    /// How many times it happened (escapes are counted, but reported once per site).
    public let occurrenceCount: Int

    public init(rule: Rule, message: String, occurrenceCount: Int = 1) {
        self.rule = rule
        self.message = message
        self.occurrenceCount = occurrenceCount
    }

    public var description: String {
        let times = occurrenceCount > 1 ? " (×\(occurrenceCount))" : ""
        return "[\(rule.rawValue)]\(times) \(message)"
    }
}

/// Where a task escape was seen; the report lists each site with its count.
enum SimEscapeSite: Int, CaseIterable, Sendable {
    case foreignEnqueue
    case sleepOffLoop
    case cancelOffLoop
    case recordOffLoop
    case probeOffLoop
    case spawnOffLoop

    static let rule = "a task escaped the simulator: work ran or was enqueued off the simulation thread. Code the "
        + "simulator runs starts its tasks there (spawn {}, or Task {} inside the simulation) and never hands work to "
        + "another thread, a Dispatch queue, a real clock's sleep or Task.yield() (determinism contract, rules 3 and 6); this run "
        + "is not deterministic"

    var detail: String {
        switch self {
        case .foreignEnqueue: "job(s) enqueued on the simulator from another thread"
        case .sleepOffLoop: "SimClock sleep(s) started off the simulation thread (moved back to it)"
        case .cancelOffLoop: "simulated sleep(s) cancelled from another thread"
        case .recordOffLoop: "trace event(s) recorded off the simulation thread (dropped)"
        case .probeOffLoop: "SimExecutor.probe() call(s) off the simulation thread"
        case .spawnOffLoop: "spawn {} call(s) off the simulation thread"
        }
    }

    /// One failure naming the rule once and every site seen, e.g. "Seen: 2 job(s) enqueued …".
    static func failure(counts: [Int]) -> SimFailure? {
        let seen = allCases.filter { counts[$0.rawValue] > 0 }.map { "\(counts[$0.rawValue]) \($0.detail)" }
        guard !seen.isEmpty else { return nil }
        return SimFailure(
            rule: .taskEscaped, message: "\(rule). Seen: \(seen.joined(separator: "; ")).",
            occurrenceCount: counts.reduce(0, +))
    }
}
