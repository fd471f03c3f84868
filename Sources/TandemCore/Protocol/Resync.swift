/// `resync`: after a reconnect, asking for every change after `sinceVersion`; ends with `resynced`.
public struct Resync: Sendable, Hashable {
    public var sessionID: String
    /// The last record version the client applied; never negative.
    public var sinceVersion: Int
    public var rid: RequestID?

    public init(sessionID: String, sinceVersion: Int, rid: RequestID? = nil) {
        self.sessionID = sessionID
        self.sinceVersion = sinceVersion
        self.rid = rid
    }
}
