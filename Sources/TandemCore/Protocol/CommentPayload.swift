/// A threaded comment on a field (`{id, field, text, parent_id, user, created_at}`).
///
/// `parentID` is `nil` for a thread's first comment (omitted on the wire); `createdAt` is milliseconds since
/// the Unix epoch, written as RFC 3339 UTC.
public struct CommentPayload: Sendable, Hashable {
    public var id: String
    public var field: String
    public var text: String
    public var parentID: String?
    public var user: UserRef
    public var createdAt: Int64

    public init(id: String, field: String, text: String, parentID: String? = nil, user: UserRef, createdAt: Int64) {
        self.id = id
        self.field = field
        self.text = text
        self.parentID = parentID
        self.user = user
        self.createdAt = createdAt
    }
}
