/// `comment`: a client posting a threaded comment on a field; everyone gets `comment_added`.
public struct CommentRequest: Sendable, Hashable {
    public var sessionID: String
    public var field: String
    public var text: String
    /// The comment this one answers; `nil` starts a thread.
    public var parentID: String?
    public var rid: RequestID?

    public init(sessionID: String, field: String, text: String, parentID: String? = nil, rid: RequestID? = nil) {
        self.sessionID = sessionID
        self.field = field
        self.text = text
        self.parentID = parentID
        self.rid = rid
    }
}
