/// A user present in a collaboration session (`{user_id, username, color, focus}`).
///
/// `focus` is the field the user's cursor is in, `nil` when none (and in `user_joined`/`user_left`, which
/// carry no focus); a `nil` focus is omitted on the wire.
public struct Participant: Sendable, Hashable {
    public var userID: Int
    public var username: String
    /// The display color the session assigned, as CSS text (`"#e6194b"`).
    public var color: String
    public var focus: String?

    public init(userID: Int, username: String, color: String, focus: String? = nil) {
        self.userID = userID
        self.username = username
        self.color = color
        self.focus = focus
    }
}
