/// A user as the protocol names one (`{id, username}`): the author of a change, comment or resolution.
///
/// Differs from `Participant`, which is a user inside a session (`user_id`, plus color and focus).
public struct UserRef: Sendable, Hashable {
    public var id: Int
    public var username: String

    public init(id: Int, username: String) {
        self.id = id
        self.username = username
    }
}
