/// Why a text operation could not be decoded, applied, composed or transformed.
///
/// One type for every failure of ``TextOperation`` and ``OTClientState``: they all come from the world
/// (a client's op, a server's frame), and the server answers each of them with `invalid_op`.
public struct TextOperationError: Error, Sendable, Equatable {
    /// What went wrong, in words fit for an `error` frame.
    public var message: String

    public init(message: String) {
        self.message = message
    }
}

extension TextOperationError: CustomStringConvertible {
    public var description: String { message }
}

extension TextOperationError {
    static let surrogateSplitMessage = "The operation would split a surrogate pair."

    static func baseLengthMismatch(expected: Int, actual: Int) -> TextOperationError {
        TextOperationError(
            message: "The operation's base length (\(expected)) must be equal to the string's length (\(actual))."
        )
    }

    static var surrogateSplit: TextOperationError {
        TextOperationError(message: surrogateSplitMessage)
    }
}
