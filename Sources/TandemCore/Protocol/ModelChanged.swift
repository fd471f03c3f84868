/// `model_changed`: one committed change, sent to every participant in version order.
///
/// `edit` is the committed text `op` (text fields) or the new `value`; `oldValue` is the field's value
/// before the change, `nil` (omitted) when the server does not send it. A deletion of the whole record
/// (Tandem's extension) has `changeType` `.delete`, an empty `field`, the value null and, as `oldValue`, the
/// fields the record had; every other change omits `changeType`.
///
/// A ``SharedStorageValue``, as ``ChangeEntry``: a fan-out hands the same message to every recipient, and each copy
/// out of a `ServerMessage` (a client's handler binds it once per delivery) was a retain and release of each of its
/// strings and values; now it is one pointer (docs/BENCHMARKS.md, *Simulator*).
@dynamicMemberLookup
public struct ModelChanged: SharedStorageValue, Sendable {
    /// The message's values, read and set as the message's own properties (`change.version`).
    public struct Values: Sendable, Hashable {
        public var sessionID: String
        public var model: String
        public var recordID: RecordID
        public var field: String
        public var version: Int
        public var edit: FieldEdit
        public var oldValue: JSONValue?
        public var user: UserRef
        /// Commit time in milliseconds since the Unix epoch; RFC 3339 on the wire.
        public var timestamp: Int64
        public var origin: ChangeOrigin
        /// The committed change's id (`change_id`, Tandem's extension).
        public var changeID: String?
        /// `change_type`: `.delete` for a deletion of the record, nil (omitted) for a field change.
        public var changeType: ChangeKind?
    }

    public var storage: SharedStorage<Values>

    public init(
        sessionID: String, model: String, recordID: RecordID, field: String, version: Int, edit: FieldEdit,
        oldValue: JSONValue? = nil, user: UserRef, timestamp: Int64, origin: ChangeOrigin,
        changeID: String? = nil, changeType: ChangeKind? = nil
    ) {
        storage = SharedStorage(Values(
            sessionID: sessionID, model: model, recordID: recordID, field: field, version: version, edit: edit,
            oldValue: oldValue, user: user, timestamp: timestamp, origin: origin, changeID: changeID,
            changeType: changeType))
    }

    public var isDeletion: Bool { storage.values.changeType == .delete }
}
