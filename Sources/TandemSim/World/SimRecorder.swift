import Synchronization
import TandemCore
import TandemReport
import TandemRuntime

/// What the simulator observes from outside the engine: latencies, counters, the changes it saw acked, and
/// the ordering violations clients noticed. Also feeds observable events into the run's trace hash.
///
/// It is the oracle the checkers read at the end; the engine never sees it.
final class SimRecorder: Sendable {
    struct AckedChange: Sendable {
        var changeID: String
        var key: RecordKey
        var field: String
        var version: Int
        var client: String
    }

    private struct State {
        var metrics = MetricsRecorder()
        var sentAtNanos: [String: Int64] = [:]
        var joinSentAtNanos: [Int: Int64] = [:]
        /// Per joining user, the observers already counted for the user's latest join: a participant who
        /// reappears later (a heartbeat after a partition) is not measured against an old join. Keyed by user
        /// so that a new join forgets its user's observers without scanning everyone's.
        var presenceCounted: [Int: Set<Int>] = [:]
        var acked: [AckedChange] = []
        var violations: [VersionOrderViolation] = []
        var counters: [CounterKey: MetricsRecorder.CounterID] = [:]
    }

    let executor: SimExecutor
    private let state = Mutex(State())

    init(executor: SimExecutor) { self.executor = executor }

    // MARK: Trace kinds (observable events only)

    enum TraceKind: UInt8 {
        case delivery = 1
        case fault = 2
        case connect = 3
        case disconnect = 4
    }

    func trace(_ kind: TraceKind, from: Int, to: Int, payload: UInt64 = 0) {
        executor.record(kind.rawValue, from: from, to: to, payload: payload)
    }

    // MARK: Latency oracle

    func changeSent(_ changeID: String) {
        let now = executor.nowNanos
        state.withLock { $0.sentAtNanos[changeID] = now }
    }

    /// A client other than the author applied a change.
    func changeApplied(_ changeID: String?) {
        guard let changeID else { return }
        let now = executor.nowNanos
        state.withLock { state in
            guard let sent = state.sentAtNanos[changeID] else { return }
            state.metrics.recordLatency(.propagation, valueNanos: now - sent, atNanos: now)
        }
    }

    func changeAcked(_ change: AckedChange) {
        let now = executor.nowNanos
        state.withLock { state in
            state.acked.append(change)
            if let sent = state.sentAtNanos[change.changeID] {
                state.metrics.recordLatency(.ack, valueNanos: now - sent, atNanos: now)
            }
        }
    }

    func joinSent(user: Int) {
        let now = executor.nowNanos
        state.withLock { state in
            state.joinSentAtNanos[user] = now
            state.presenceCounted[user] = nil
        }
    }

    /// `observer` learned of `users` from a snapshot (`joined`): nothing to measure, and a later
    /// reappearance of one of them is not a join either.
    func presenceKnown(users: [Int], by observer: Int) {
        state.withLock { state in
            for user in users { state.presenceCounted[user, default: []].insert(observer) }
        }
    }

    /// `observer` saw `user` join: presence latency, once per observer and join.
    func presenceSeen(user: Int, by observer: Int) {
        let now = executor.nowNanos
        state.withLock { state in
            guard let sent = state.joinSentAtNanos[user],
                  state.presenceCounted[user, default: []].insert(observer).inserted else { return }
            state.metrics.recordLatency(.presence, valueNanos: now - sent, atNanos: now)
        }
    }

    func violation(_ violation: VersionOrderViolation) { state.withLock { $0.violations.append(violation) } }

    // MARK: Counters and gauges

    /// A counter's name and node, as the key of its id (no string is built per count).
    private struct CounterKey: Hashable {
        var name: String
        var node: Int?
    }

    func count(_ name: String, node: Int?, by amount: Int = 1) {
        state.withLock { state in
            let key = CounterKey(name: name, node: node)
            let id: MetricsRecorder.CounterID
            if let known = state.counters[key] {
                id = known
            } else {
                id = state.metrics.counterID(name, scope: node.map { .node("node-\($0 + 1)") } ?? .run)
                state.counters[key] = id
            }
            state.metrics.increment(id, by: Int64(amount))
        }
    }

    func gauge(_ name: String, node: Int, value: Double) {
        let now = executor.nowNanos
        state.withLock { $0.metrics.recordGauge(name, node: "node-\(node + 1)", value: value, atNanos: now) }
    }

    func event() {
        let now = executor.nowNanos
        state.withLock { $0.metrics.recordEvent(atNanos: now) }
    }

    func faultWindow(_ kind: String, label: String, startNanos: Int64, endNanos: Int64) {
        state.withLock { $0.metrics.addFaultWindow(kind, label: label, startNanos: startNanos, endNanos: endNanos) }
    }

    // MARK: Reading at the end

    var metrics: MetricsRecorder { state.withLock { $0.metrics } }
    var ackedChanges: [AckedChange] { state.withLock { $0.acked } }
    var violations: [VersionOrderViolation] { state.withLock { $0.violations } }
}
