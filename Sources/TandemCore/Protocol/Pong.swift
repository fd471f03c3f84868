/// `pong`: the answer to `ping`, with the server's clock.
public struct Pong: Sendable, Hashable {
    /// Milliseconds since the Unix epoch; RFC 3339 on the wire.
    public var serverTime: Int64
    public var rid: RequestID?

    public init(serverTime: Int64, rid: RequestID? = nil) {
        self.serverTime = serverTime
        self.rid = rid
    }
}
