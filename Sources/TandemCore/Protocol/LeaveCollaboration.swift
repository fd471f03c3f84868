/// `leave_collaboration`: leaving a session; the others get `user_left`.
public struct LeaveCollaboration: Sendable, Hashable {
    public var sessionID: String
    public var rid: RequestID?

    public init(sessionID: String, rid: RequestID? = nil) {
        self.sessionID = sessionID
        self.rid = rid
    }
}
