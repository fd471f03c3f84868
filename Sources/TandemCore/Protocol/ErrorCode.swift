/// The machine-readable reason in an `error` frame; raw values are the exact wire strings.
public enum ErrorCode: String, Sendable, Hashable, CaseIterable {
    case unauthenticated
    case forbidden
    case notFound = "not_found"
    case invalidMessage = "invalid_message"
    case unknownField = "unknown_field"
    case invalidOp = "invalid_op"
    case tooLarge = "too_large"
    case rateLimited = "rate_limited"
    case sessionFull = "session_full"
    case notJoined = "not_joined"
    case `internal`
}
