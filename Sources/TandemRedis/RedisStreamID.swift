/// A Redis stream entry id, `<milliseconds>-<sequence>`, ordered as Redis orders them.
struct RedisStreamID: Sendable, Hashable, Comparable, CustomStringConvertible {
    static let zero = RedisStreamID(milliseconds: 0, sequence: 0)

    /// The server's wall clock (Unix milliseconds) when the entry was added, for `*` ids.
    var milliseconds: UInt64
    var sequence: UInt64

    init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let milliseconds = UInt64(parts[0]), let sequence = UInt64(parts[1]) else { return nil }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    /// The largest id before `milliseconds`, so that reading after it starts with that millisecond.
    init(justBeforeMilliseconds milliseconds: Int64) {
        guard milliseconds > 0 else {
            self = .zero
            return
        }
        self.init(milliseconds: UInt64(milliseconds - 1), sequence: .max)
    }

    /// `milliseconds` as a wall-clock reading (Unix milliseconds).
    var unixMillis: Int64 { Int64(clamping: milliseconds) }

    var description: String { "\(milliseconds)-\(sequence)" }

    static func < (lhs: RedisStreamID, rhs: RedisStreamID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}
