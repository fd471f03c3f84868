/// `resynced`: the end of a resync replay; `recovered` is `true` when every missed change was replayed.
public struct Resynced: Sendable, Hashable {
    public var sessionID: String
    public var version: Int
    public var recovered: Bool
    public var rid: RequestID?

    public init(sessionID: String, version: Int, recovered: Bool, rid: RequestID? = nil) {
        self.sessionID = sessionID
        self.version = version
        self.recovered = recovered
        self.rid = rid
    }
}
