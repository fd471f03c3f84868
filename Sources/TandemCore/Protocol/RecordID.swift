/// The primary key of a record (`record_id`): an integer or a string, as the model's key column is.
///
/// Flask-AppBuilder models mostly have integer keys; string keys are carried as sent, never coerced.
public enum RecordID: Sendable, Hashable {
    /// An integer key; on the wire a JSON number that is exactly an integer within ±2^53.
    case integer(Int)
    case string(String)
}

extension RecordID: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }

    public var description: String {
        switch self {
        case .integer(let number): return String(number)
        case .string(let text): return text
        }
    }
}
