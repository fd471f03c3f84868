/// A `JSONValue` that cannot be written as JSON text, and the path to the offending value.
///
/// The only such value is a non-finite number: RFC 8259 has no spelling for NaN or infinity.
public struct JSONWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the value sits, as a JSONPath-like string: `$`, `$.fields.title`, `$.op[2]`.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(message) at \(path)" }

    /// The same error seen from one level up: `component` is `.key` or `[index]`.
    func nested(under component: String) -> JSONWriteError {
        JSONWriteError(path: "$" + component + path.dropFirst(), message: message)
    }
}
