import Synchronization
import TandemCore
import TandemReport
import TandemRuntime

/// What the simulator observes from outside the engine: latencies, counters, the changes it saw acked, and
/// the ordering violations clients noticed. Also feeds observable events into the run's trace hash.
///
/// It is the oracle the checkers read at the end; the engine never sees it.
// Why `@unchecked Sendable` is safe: `state` is touched only inside `withState`, which holds `lock` — or, for a recorder
// confined to a simulation (no lock), runs on that simulation's loop thread only (asserted in debug builds), where all
// simulated code runs, one job or timer at a time. A live run's recorder is shared by clients on several event loops
// and keeps the lock; a simulation's took an uncontended lock (two atomic read-modify-writes) on every count.
public final class SimRecorder: @unchecked Sendable {
    public struct AckedChange: Sendable {
        public var changeID: String
        public var key: RecordKey
        public var field: String
        public var version: Int
        public var client: String
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
        public var violations: [VersionOrderViolation] = []
        /// The send times of recent changes, found without hashing their ids: each is delivered to every client of its
        /// record within a few link latencies of being sent, so most deliveries find their change here.
        var recentSends = RecentSends()
        var counters: [CounterKey: MetricsRecorder.CounterID] = [:]
        /// Per origin (`node * groups + group`), its id, once it has measured a sample.
        var origins: [MetricsRecorder.OriginID?] = []
        /// Per `disconnect` fault (by number), the dropped clients that are not connected again yet.
        var awaitedReconnects: [Int: Set<Int>] = [:]
    }

    /// Who measured a latency sample: the node the client is connected to and the client's group, by index.
    struct Origin: Hashable {
        var node: Int
        var group: Int
    }

    /// A direct-mapped cache in front of `sentAtNanos` (change id → intended send time), which every delivery of a
    /// change reads: hashing a change id there was a third of a microsecond per delivery (1.6 % of `scale-1000x10`'s
    /// instructions). A slot is chosen by the id's length and last bytes (ids end in a per-client counter); an id
    /// equal to the slot's, usually the very same string (a fan-out shares one message), answers at once.
    struct RecentSends {
        private static let slotCount = 64
        private var ids = [String?](repeating: nil, count: slotCount)
        private var times = [Int64](repeating: 0, count: slotCount)

        /// Over the id's bytes in place: `utf8.suffix(3)` walked the view through generic index code, about 300
        /// instructions a call, more than the dictionary's hash it saves.
        private static func slot(_ id: String) -> Int {
            var id = id
            return id.withUTF8 { bytes in
                var hash = bytes.count
                for byte in bytes.suffix(3) { hash = hash &* 31 &+ Int(byte) }
                return hash & (slotCount - 1)
            }
        }

        func sentAtNanos(_ id: String) -> Int64? {
            let slot = Self.slot(id)
            return ids[slot] == id ? times[slot] : nil
        }

        mutating func remember(_ id: String, sentAtNanos: Int64) {
            let slot = Self.slot(id)
            ids[slot] = id
            times[slot] = sentAtNanos
        }
    }

    /// Where times come from: the simulator's virtual time, or the wall clock in a live run.
    let clock: any ClientClock
    /// The executor whose trace hash observable events feed (none in a live run: there is no trace).
    let tracer: SimExecutor?
    /// The population's group names, in scenario order.
    let groups: [String]
    @exclusivity(unchecked) private var state = State()
    private let lock: RecorderLock?
    /// The simulation whose loop thread alone uses this recorder, when it takes no lock.
    private let confinement: SimExecutor?

    /// A recorder for clients on any threads (a live run's): every access takes a lock. With `confinedTo`, one used
    /// only on that simulation's loop thread: no lock.
    public init(clock: any ClientClock, tracer: SimExecutor?, groups: [String], confinedTo confinement: SimExecutor? = nil) {
        self.clock = clock
        self.tracer = tracer
        self.groups = groups
        self.confinement = confinement
        self.lock = confinement == nil ? RecorderLock() : nil
    }

    @inline(__always)
    private func withState<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        guard let lock else {
            assert(confinement?.isOnLoopThread ?? true, "a confined SimRecorder used off its simulation's thread")
            return body(&state)
        }
        return lock.mutex.withLock { _ in body(&state) }
    }

    // MARK: Trace kinds (observable events only)

    enum TraceKind: UInt8 {
        case delivery = 1
        case fault = 2
        case connect = 3
        case disconnect = 4
    }

    /// `payload` is computed only when there is a trace (a live run keeps none).
    func trace(_ kind: TraceKind, from: Int, to: Int, payload: @autoclosure () -> UInt64 = 0) {
        guard let tracer else { return }
        tracer.record(kind.rawValue, from: from, to: to, payload: payload())
    }

    // MARK: Latency oracle

    /// A change leaves its author; `intendedAtNanos` is when the person meant to send it (the act's scheduled time,
    /// or the end of the typing debounce), so a late load generator cannot hide latency (no coordinated omission).
    func changeSent(_ changeID: String, intendedAtNanos: Int64) {
        withState { state in
            state.sentAtNanos[changeID] = intendedAtNanos
            state.recentSends.remember(changeID, sentAtNanos: intendedAtNanos)
        }
    }

    /// When `changeID` was meant to be sent, if this process sent it.
    private static func sentAtNanos(_ changeID: String, _ state: inout State) -> Int64? {
        if let sent = state.recentSends.sentAtNanos(changeID) { return sent }
        guard let sent = state.sentAtNanos[changeID] else { return nil }
        state.recentSends.remember(changeID, sentAtNanos: sent)
        return sent
    }

    /// A client other than the author applied a change; `by` is that client. A change this process did not send (a
    /// live shard's, from another shard) is measured from the send time its id carries, if it carries one.
    func changeApplied(_ changeID: String?, by origin: Origin) {
        guard let changeID else { return }
        let now = clock.nowNanos
        withState { state in
            guard let sent = Self.sentAtNanos(changeID, &state) ?? ChangeIDSendTime.read(changeID) else { return }
            let id = Self.id(origin, &state, groups)
            state.metrics.recordLatency(.propagation, valueNanos: now - sent, atNanos: now, origin: id)
        }
    }

    /// The author of `change` holds its acknowledgement.
    func changeAcked(_ change: AckedChange, by origin: Origin) {
        let now = clock.nowNanos
        withState { state in
            state.acked.append(change)
            if let sent = Self.sentAtNanos(change.changeID, &state) {
                let id = Self.id(origin, &state, groups)
                state.metrics.recordLatency(.ack, valueNanos: now - sent, atNanos: now, origin: id)
            }
        }
    }

    private static func id(_ origin: Origin, _ state: inout State, _ groups: [String]) -> MetricsRecorder.OriginID {
        let slot = origin.node * groups.count + origin.group
        if slot < state.origins.count, let id = state.origins[slot] { return id }
        let id = state.metrics.originID(node: "node-\(origin.node + 1)", group: groups[origin.group])
        if slot >= state.origins.count {
            state.origins.append(contentsOf: repeatElement(nil, count: slot + 1 - state.origins.count))
        }
        state.origins[slot] = id
        return id
    }

    func joinSent(user: Int) {
        let now = clock.nowNanos
        withState { state in
            state.joinSentAtNanos[user] = now
            state.presenceCounted[user] = nil
        }
    }

    /// `observer` learned of `users` from a snapshot (`joined`): nothing to measure, and a later
    /// reappearance of one of them is not a join either.
    func presenceKnown(users: [Int], by observer: Int) {
        withState { state in
            for user in users { state.presenceCounted[user, default: []].insert(observer) }
        }
    }

    /// `observer` saw `user` join: presence latency, once per observer and join, measured from the later of the two
    /// joins (an observer that arrived after `user` could not show `user` before its own join).
    ///
    /// `lastShownAtNanos` is when the observer's view last showed `user` (nil: never; now: it still does). An
    /// observer that showed `user` at or after `user`'s join had nothing to wait for: a `user_joined` it gets later
    /// ends a flap (the user's entry expired on its node and came back, as after a broker outage), not that join.
    func presenceSeen(user: Int, by observer: Int, origin: Origin, lastShownAtNanos: Int64?) {
        let now = clock.nowNanos
        withState { state in
            guard let joined = state.joinSentAtNanos[user],
                  state.presenceCounted[user, default: []].insert(observer).inserted else { return }
            let sent = max(joined, state.joinSentAtNanos[observer] ?? joined)
            if let shown = lastShownAtNanos, shown >= joined { return }
            let id = Self.id(origin, &state, groups)
            state.metrics.recordLatency(.presence, valueNanos: now - sent, atNanos: now, origin: id)
        }
    }

    func violation(_ violation: VersionOrderViolation) { withState { $0.violations.append(violation) } }

    // MARK: Counters and gauges

    /// A counter's name and node, as the key of its id (no string is built per count).
    private struct CounterKey: Hashable {
        var name: String
        var node: Int?
    }

    public func count(_ name: String, node: Int?, by amount: Int = 1) {
        withState { state in
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

    public func gauge(_ name: String, node: Int, value: Double) {
        let now = clock.nowNanos
        withState { $0.metrics.recordGauge(name, node: "node-\(node + 1)", value: value, atNanos: now) }
    }

    public func event() {
        let now = clock.nowNanos
        withState { $0.metrics.recordEvent(atNanos: now) }
    }

    public func faultWindow(_ kind: String, label: String, fault: Int, startNanos: Int64, endNanos: Int64) {
        withState {
            $0.metrics.addFaultWindow(kind, label: label, fault: fault, startNanos: startNanos, endNanos: endNanos)
        }
    }

    /// `disconnect` fault number `fault` dropped `clients`; its window ends when the last of them is connected again
    /// (or has left for good). If none was dropped, it ends now.
    public func awaitReconnects(fault: Int, clients: Set<Int>) {
        let now = clock.nowNanos
        withState { state in
            if clients.isEmpty {
                state.metrics.endFaultWindow(fault: fault, atNanos: now)
            } else {
                state.awaitedReconnects[fault] = clients
            }
        }
    }

    /// `client` holds a confirmed connection again, or has left the run: it no longer keeps a `disconnect` open.
    public func clientSettled(_ client: Int) {
        let now = clock.nowNanos
        withState { state in
            for fault in state.awaitedReconnects.keys.sorted() {
                guard state.awaitedReconnects[fault]!.remove(client) != nil else { continue }
                if state.awaitedReconnects[fault]!.isEmpty {
                    state.awaitedReconnects[fault] = nil
                    state.metrics.endFaultWindow(fault: fault, atNanos: now)
                }
            }
        }
    }

    // MARK: Reading at the end

    public var metrics: MetricsRecorder { withState { $0.metrics } }
    public var ackedChanges: [AckedChange] { withState { $0.acked } }
    public var violations: [VersionOrderViolation] { withState { $0.violations } }
}

/// A live recorder's lock (an object of its own, made only for recorders shared across threads).
private final class RecorderLock: Sendable {
    let mutex = Mutex(())
}
