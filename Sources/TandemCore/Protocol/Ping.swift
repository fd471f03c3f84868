/// `ping`: an explicit heartbeat, answered by `pong` (any frame counts as a heartbeat).
public struct Ping: Sendable, Hashable {
    public var rid: RequestID?

    public init(rid: RequestID? = nil) {
        self.rid = rid
    }
}
