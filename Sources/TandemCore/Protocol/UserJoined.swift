/// `user_joined`: another participant entered the session.
public struct UserJoined: Sendable, Hashable {
    public var sessionID: String
    /// `{user_id, username, color}`; its `focus` is normally `nil`.
    public var user: Participant

    public init(sessionID: String, user: Participant) {
        self.sessionID = sessionID
        self.user = user
    }
}
