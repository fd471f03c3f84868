import TandemCore
import TandemEngine

/// A `Comment` as one row of `tandem_comments`.
struct CommentRow: Sendable, Hashable {
    var commentID: String
    var model: String
    var recordID: String
    var sessionID: String
    var field: String
    var body: String
    var parentID: String?
    var userID: Int64
    var username: String
    var createdAtMillis: Int64

    static let columns = """
        comment_id, model_name, record_id, session_id, field_name, body, parent_id, user_id, username, created_at_ms
        """

    init(_ comment: Comment, key: RecordKey) {
        commentID = comment.id
        model = key.model
        recordID = key.recordID
        sessionID = key.sessionID
        field = comment.field
        body = comment.text
        parentID = comment.parentID
        userID = Int64(comment.user.id)
        username = comment.user.username
        createdAtMillis = comment.createdAtMillis
    }

    init(
        commentID: String,
        model: String,
        recordID: String,
        sessionID: String,
        field: String,
        body: String,
        parentID: String?,
        userID: Int64,
        username: String,
        createdAtMillis: Int64
    ) {
        self.commentID = commentID
        self.model = model
        self.recordID = recordID
        self.sessionID = sessionID
        self.field = field
        self.body = body
        self.parentID = parentID
        self.userID = userID
        self.username = username
        self.createdAtMillis = createdAtMillis
    }

    func comment() throws(StoreError) -> Comment {
        let context = "read tandem_comments \(model):\(recordID) \(commentID)"
        return Comment(
            id: commentID,
            field: field,
            text: body,
            parentID: parentID,
            user: UserRef(id: try StoreJSON.int(userID, context), username: username),
            createdAtMillis: createdAtMillis
        )
    }
}
