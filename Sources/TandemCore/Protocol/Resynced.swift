/// `resynced`: the end of a resync replay; `recovered` is `true` when every missed change was replayed.
///
/// `participants` is who is in the session now, as in `joined`: a client that was away missed the `user_joined` and
/// `user_left` of that time, and shows this list instead of what it showed before the break. nil from a server that
/// does not send it (the member came after the first version of the protocol).
public struct Resynced: Sendable, Hashable {
    public var sessionID: String
    public var version: Int
    public var recovered: Bool
    public var participants: [Participant]?
    public var rid: RequestID?

    public init(sessionID: String, version: Int, recovered: Bool, participants: [Participant]? = nil, rid: RequestID? = nil) {
        self.sessionID = sessionID
        self.version = version
        self.recovered = recovered
        self.participants = participants
        self.rid = rid
    }
}
