/// `joined`: the snapshot of a session sent to a client that joined, or that resynced past the log's reach.
///
/// After a `resync` that the log cannot serve, `recovered` is `false`; a plain join leaves it `nil` (omitted).
public struct Joined: Sendable, Hashable {
    public var sessionID: String
    public var model: String
    public var recordID: RecordID
    /// The record version this snapshot reflects.
    public var version: Int
    /// Every collaborative field's current value, by field name.
    public var fields: [String: JSONValue]
    /// The record version of each field's last change, by field name.
    public var fieldVersions: [String: Int]
    public var participants: [Participant]
    public var comments: [CommentPayload]
    public var readOnly: Bool
    public var recovered: Bool?
    /// True (Tandem's extension) when the record was deleted: a resync across the deletion that the log could
    /// not serve. Omitted otherwise; a plain join of a deleted record is answered `not_found`.
    public var deleted: Bool?
    public var rid: RequestID?

    public init(
        sessionID: String, model: String, recordID: RecordID, version: Int, fields: [String: JSONValue],
        fieldVersions: [String: Int], participants: [Participant], comments: [CommentPayload], readOnly: Bool,
        recovered: Bool? = nil, deleted: Bool? = nil, rid: RequestID? = nil
    ) {
        self.sessionID = sessionID
        self.model = model
        self.recordID = recordID
        self.version = version
        self.fields = fields
        self.fieldVersions = fieldVersions
        self.participants = participants
        self.comments = comments
        self.readOnly = readOnly
        self.recovered = recovered
        self.deleted = deleted
        self.rid = rid
    }
}
