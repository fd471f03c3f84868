/// A comment on one field of a record, possibly a reply to another comment on the same field.
public struct Comment: Sendable, Hashable {
    public var id: String
    public var field: String
    public var text: String
    public var parentID: String?
    public var user: UserRef
    public var createdAtMillis: Int64

    public init(id: String, field: String, text: String, parentID: String?, user: UserRef, createdAtMillis: Int64) {
        self.id = id
        self.field = field
        self.text = text
        self.parentID = parentID
        self.user = user
        self.createdAtMillis = createdAtMillis
    }
}

/// Why a comment was refused.
public struct CommentError: Error, Sendable, Equatable {
    public var message: String
}

/// The threaded comments of one record, in the order they were added.
///
/// Text is stored as written; escaping for HTML is the renderer's job. A reply must answer a comment on
/// the same field, and threads are at most `depthMax` deep so a reply chain cannot grow without bound.
public struct CommentThread: Sendable, Hashable {
    public private(set) var comments: [Comment] = []
    public static let textBytesMax = 10_000
    public static let depthMax = 32
    public static let commentCountMax = 10_000

    public init(comments: [Comment] = []) { self.comments = comments }

    /// Checks a new comment against the thread; the message says what was wrong.
    public func validate(field: String, text: String, parentID: String?) -> CommentError? {
        if text.allSatisfy({ $0.isWhitespace }) { return CommentError(message: "comment text is empty") }
        if text.utf8.count > Self.textBytesMax {
            return CommentError(message: "comment text is \(text.utf8.count) bytes; at most \(Self.textBytesMax)")
        }
        if comments.count >= Self.commentCountMax {
            return CommentError(message: "the record already has \(Self.commentCountMax) comments")
        }
        guard let parentID else { return nil }
        guard let parent = comments.first(where: { $0.id == parentID }) else {
            return CommentError(message: "parent_id \(parentID) is not a comment on this record")
        }
        if parent.field != field {
            return CommentError(message: "parent_id \(parentID) is a comment on field \(parent.field), not \(field)")
        }
        if depth(of: parent) + 1 >= Self.depthMax {
            return CommentError(message: "reply chain is deeper than \(Self.depthMax)")
        }
        return nil
    }

    public mutating func append(_ comment: Comment) {
        if !comments.contains(where: { $0.id == comment.id }) { comments.append(comment) }
    }

    private func depth(of comment: Comment) -> Int {
        var depth = 0
        var current = comment
        while let parentID = current.parentID, let parent = comments.first(where: { $0.id == parentID }) {
            depth += 1
            current = parent
        }
        return depth
    }
}
