/// A backplane envelope that could not be turned into its JSON form or read back from it.
///
/// Decoding errors come from the world (another node's bug, a foreign writer, a newer format): a reader
/// logs them and skips the entry. `path` names the offending member (`$.change.version`).
public struct BackplaneCodingError: Error, Sendable, CustomStringConvertible {
    /// The class of failure; the message says the specifics.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The bytes are not JSON text (or exceed the parser's limits).
        case invalidJSON = "invalid_json"
        /// `v` is missing or names a format this build does not read.
        case unsupportedVersion = "unsupported_version"
        /// `type` names no message this build knows.
        case unknownType = "unknown_type"
        /// A required member is absent.
        case missingField = "missing_field"
        /// A member has the wrong JSON type (or an integer is not exact).
        case wrongType = "wrong_type"
        /// A member has the right type but an invalid value (an unknown enum string, a bad text operation).
        case invalidValue = "invalid_value"
        /// Encoding only: a value has no exact JSON form (a non-finite number, an integer beyond ±2^53).
        case unencodable
    }

    public var code: Code
    /// Where the problem is, as a JSONPath-like string: `$`, `$.change.version`, `$.sessions[2].key`.
    public var path: String
    public var message: String
    /// The parser's, writer's or text operation's own error, when there is one.
    public var underlying: (any Error)?

    public init(code: Code, path: String, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(code.rawValue) at \(path): \(message)" }
}
