/// `user_left`: a participant left the session (or its connection ended).
public struct UserLeft: Sendable, Hashable {
    public var sessionID: String
    /// `{user_id, username, color}`; its `focus` is normally `nil`.
    public var user: Participant

    public init(sessionID: String, user: Participant) {
        self.sessionID = sessionID
        self.user = user
    }
}
