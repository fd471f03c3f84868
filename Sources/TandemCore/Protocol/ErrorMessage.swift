/// `error`: a request failed or a limit was hit; `rid` is set when answering a request that had one.
public struct ErrorMessage: Sendable, Hashable {
    public var code: ErrorCode
    /// Human-readable: what was wrong and where.
    public var message: String
    public var rid: RequestID?

    public init(code: ErrorCode, message: String, rid: RequestID? = nil) {
        self.code = code
        self.message = message
        self.rid = rid
    }
}
