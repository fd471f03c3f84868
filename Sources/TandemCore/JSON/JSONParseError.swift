/// A failure to parse JSON text: what was wrong and the byte offset where it was found.
///
/// Offsets count UTF-8 bytes from the start of the input, so a frame's error points at the exact byte a
/// client sent. `kind` lets callers map failures to protocol error codes without reading the message.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure; the message says the specifics.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The input ended inside a value (or was empty).
        case unexpectedEnd
        /// A byte that the grammar does not allow at that point.
        case unexpectedByte
        /// A number that breaks RFC 8259's number grammar.
        case invalidNumber
        /// A number whose magnitude does not fit a finite IEEE double.
        case numberOutOfRange
        /// A backslash escape that is not one of `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A `\u` escape of a surrogate that is not part of a high-low pair.
        case loneSurrogate
        /// A raw control character (U+0000–U+001F) inside a string.
        case controlCharacter
        /// Bytes that are not well-formed UTF-8.
        case invalidUTF8
        /// An object with the same member name twice (RFC 8259 leaves this open; Tandem refuses it).
        case duplicateKey
        /// Arrays and objects nested deeper than the parser's `depthMax`.
        case tooDeep
        /// Input longer than the parser's `bytesMax`.
        case tooLarge
        /// Non-whitespace after the top-level value.
        case trailingData
    }

    public var kind: Kind
    /// Zero-based UTF-8 byte offset of the failure.
    public var offset: Int
    /// What was wrong, without the offset (see `description` for both).
    public var message: String

    public init(kind: Kind, offset: Int, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at byte \(offset)" }
}
