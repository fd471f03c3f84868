import TandemCore

/// A frame that could not be decoded: the protocol error code to answer with, what was wrong, and the `rid`.
///
/// `rid` is the request id when it could be read, even if the rest of the frame is bad, so the `error`
/// reply can echo it. `errorMessage` is that reply, ready to encode.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    /// What was wrong and where: `field "base_version" must be a non-negative integer, got string`.
    public var message: String
    public var rid: RequestID?

    public init(code: ErrorCode, message: String, rid: RequestID? = nil) {
        self.code = code
        self.message = message
        self.rid = rid
    }

    /// The `error` frame that answers the bad frame.
    public var errorMessage: ErrorMessage { ErrorMessage(code: code, message: message, rid: rid) }

    public var description: String { "\(code.rawValue): \(message)" }
}
