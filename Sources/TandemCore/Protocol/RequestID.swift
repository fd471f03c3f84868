/// A client-chosen request id (`rid`): a string or an integer, echoed unchanged on every reply.
///
/// Kept in the form the client sent, so `"7"` and `7` are different ids and each comes back as it went out.
public enum RequestID: Sendable, Hashable {
    case string(String)
    /// An integer id; on the wire a JSON number that is exactly an integer within ±2^53.
    case integer(Int)
}

extension RequestID: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }

    public var description: String {
        switch self {
        case .string(let text): return "\"\(text)\""
        case .integer(let number): return String(number)
        }
    }
}
