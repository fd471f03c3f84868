/// `join_collaboration`: a request to join a record's session, created on first join; answered by `joined`.
public struct JoinCollaboration: Sendable, Hashable {
    /// The Flask-AppBuilder model name (`"Contact"`).
    public var model: String
    public var recordID: RecordID
    public var rid: RequestID?

    public init(model: String, recordID: RecordID, rid: RequestID? = nil) {
        self.model = model
        self.recordID = recordID
        self.rid = rid
    }
}
