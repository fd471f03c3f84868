/// `comment_added`: a new comment, sent to everyone in the session (the author's copy may echo its `rid`).
public struct CommentAdded: Sendable, Hashable {
    public var sessionID: String
    public var comment: CommentPayload
    public var rid: RequestID?

    public init(sessionID: String, comment: CommentPayload, rid: RequestID? = nil) {
        self.sessionID = sessionID
        self.comment = comment
        self.rid = rid
    }
}
