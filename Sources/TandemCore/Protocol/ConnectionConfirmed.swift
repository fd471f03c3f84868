/// `connection_confirmed`: the first frame on every authenticated connection.
public struct ConnectionConfirmed: Sendable, Hashable {
    /// The wire protocol version this node speaks.
    public static let protocolVersionCurrent = 1

    /// Wire name `protocol`.
    public var protocolVersion: Int
    public var connectionID: String
    public var user: UserRef
    /// Milliseconds since the Unix epoch; RFC 3339 on the wire.
    public var serverTime: Int64
    /// How often the client should send something (any frame counts).
    public var heartbeatMs: Int

    public init(
        protocolVersion: Int = Self.protocolVersionCurrent, connectionID: String, user: UserRef, serverTime: Int64,
        heartbeatMs: Int
    ) {
        self.protocolVersion = protocolVersion
        self.connectionID = connectionID
        self.user = user
        self.serverTime = serverTime
        self.heartbeatMs = heartbeatMs
    }
}
