/// A backplane that could not carry out a publish or subscribe: unreachable, overloaded, refused or closed.
///
/// Thrown by production backplanes (`RedisBackplane`); the in-memory twin never throws. The node counts
/// it (`NodeMetrics.backplaneErrors`) and goes on: the store stays the truth and gap fill covers the loss.
public struct BackplaneError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The broker cannot be reached now (down, restarting, or the connection broke mid-command).
        case unavailable
        /// More publishes are queued than the backplane's limit allows.
        case overloaded
        /// The broker answered with an error (wrong key type, out of memory, …).
        case rejected
        /// The envelope has no wire form (see `BackplaneCodingError`).
        case encoding
        /// The backplane was shut down.
        case closed
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "backplane \(code.rawValue): \(message) (\(underlying))" }
        return "backplane \(code.rawValue): \(message)"
    }
}
