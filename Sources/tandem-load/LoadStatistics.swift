import Synchronization

/// What a load run measured, shared by every simulated client: when each change was sent, how long it took
/// to reach each other client, and how long its `ack` took.
final class LoadStatistics: Sendable {
    private struct State {
        /// When each change was sent, by client and sequence (`load-<client>-<sequence>`, from 1).
        var sentAtNanos: [[Int64]]
        var propagationMillis: [Double] = []
        var ackMillis: [Double] = []
        var sent = 0
        var errors: [String: Int] = [:]
        var closes: [Int: Int] = [:]
        var reconnects = 0
    }

    private let state: Mutex<State>

    init(clients: Int) {
        state = Mutex(State(sentAtNanos: Array(repeating: [], count: clients)))
    }

    /// Client `client` sent its change number `sequence` (1, 2, …, in order).
    func sent(client: Int, sequence: Int, atNanos: Int64) {
        state.withLock { state in
            guard state.sentAtNanos.indices.contains(client), state.sentAtNanos[client].count == sequence - 1 else { return }
            state.sentAtNanos[client].append(atNanos)
            state.sent += 1
        }
    }

    /// Records one delivery (`model_changed`) or the sender's `ack` of change `load-<client>-<sequence>` seen at
    /// `nowNanos`.
    func received(client: Int, sequence: Int, ack: Bool, atNanos nowNanos: Int64) {
        state.withLock { state in
            guard state.sentAtNanos.indices.contains(client), state.sentAtNanos[client].indices.contains(sequence - 1)
            else { return }
            let sentAt = state.sentAtNanos[client][sequence - 1]
            let millis = Double(nowNanos - sentAt) / 1e6
            if ack { state.ackMillis.append(millis) } else { state.propagationMillis.append(millis) }
        }
    }

    func error(_ code: String) { state.withLock { $0.errors[code, default: 0] += 1 } }
    func closed(_ code: Int) { state.withLock { $0.closes[code, default: 0] += 1 } }
    func reconnected() { state.withLock { $0.reconnects += 1 } }

    /// The report printed at the end of a run; `seconds` is the sending window.
    func summary(clients: Int, joined: Int, seconds: Double) -> String {
        state.withLock { state in
            let propagation = state.propagationMillis.sorted()
            let acks = state.ackMillis.sorted()
            var lines = [
                "clients: \(clients) (\(joined) joined, \(state.reconnects) reconnects), changes sent: \(state.sent) "
                    + "in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", Double(state.sent) / seconds))/s), "
                    + "acks: \(acks.count)",
                "fan-out deliveries: \(propagation.count) (\(String(format: "%.0f", Double(propagation.count) / seconds))/s)",
                "propagation ms: " + Self.describe(propagation),
                "ack ms:         " + Self.describe(acks),
            ]
            if !state.errors.isEmpty {
                lines.append(
                    "errors: " + state.errors.keys.sorted().map { "\($0)=\(state.errors[$0]!)" }.joined(separator: " ")
                )
            }
            if !state.closes.isEmpty {
                lines.append(
                    "closes: " + state.closes.keys.sorted().map { "\($0)=\(state.closes[$0]!)" }.joined(separator: " ")
                )
            }
            return lines.joined(separator: "\n")
        }
    }

    static func describe(_ sorted: [Double]) -> String {
        guard !sorted.isEmpty else { return "none" }
        func percentile(_ p: Double) -> Double {
            sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        return String(
            format: "p50 %.1f  p90 %.1f  p99 %.1f  max %.1f",
            percentile(0.5),
            percentile(0.9),
            percentile(0.99),
            sorted.last!
        )
    }
}
