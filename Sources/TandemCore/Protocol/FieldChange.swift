/// `field_change`: a client's change to one field, based on the record version it last saw.
///
/// Answered by `ack`, `conflict_detected` or `error`. `edit` is the `op` (text fields only) or the `value`.
public struct FieldChange: Sendable, Hashable {
    public var sessionID: String
    public var field: String
    /// The record version the change was made against; never negative.
    public var baseVersion: Int
    public var edit: FieldEdit
    public var rid: RequestID?
    /// Optional, client-chosen id unique to this change (Tandem's extension, `change_id` on the wire): a
    /// change resent after a reconnect with the same id is acknowledged again and never committed twice, and
    /// `ack`/`model_changed` echo it so a client recognises its own change in a resync.
    public var changeID: String?

    public init(
        sessionID: String, field: String, baseVersion: Int, edit: FieldEdit, rid: RequestID? = nil, changeID: String? = nil
    ) {
        self.sessionID = sessionID
        self.field = field
        self.baseVersion = baseVersion
        self.edit = edit
        self.rid = rid
        self.changeID = changeID
    }
}
