/// One committed change to one field of a record, or the deletion of the whole record: the durable unit of the
/// change log.
///
/// A change is in the store before its `ack` goes out; every node and client applies a record's changes
/// in `version` order. `oldValue`/`newValue` are whole field values (for text the op is kept as well,
/// already transformed to apply at `version - 1`), so any node can rebuild a field at any version.
///
/// A ``SharedStorageValue``: every copy (a node's history window, the store's log, the backplane, a fan-out) is a
/// pointer to the same entry instead of its 209 bytes and a retain of each of its strings and values. (At 10,000
/// simulated users the copies in the nodes' history windows and the store's log were tens of MB;
/// docs/BENCHMARKS.md, *Simulator*.)
@dynamicMemberLookup
public struct ChangeEntry: SharedStorageValue, Sendable {
    /// The entry's values, read and set as the entry's own properties (`entry.version`, `\ChangeEntry.field`).
    public struct Values: Sendable, Hashable {
        /// Unique across the deployment: the client's `change_id` when it sent one, otherwise node-made.
        public var changeID: String
        public var key: RecordKey
        /// The field changed; empty for a deletion (`kind == .delete`), which changes the whole record.
        public var field: String
        public var version: Int
        /// The record version the author's change was based on (before transformation).
        public var baseVersion: Int
        /// For `text` fields: the op as committed, applying to the field's value at `version - 1`.
        public var op: TextOperation?
        public var oldValue: JSONValue
        public var newValue: JSONValue
        public var user: UserRef
        public var timestampMillis: Int64
        public var origin: ChangeOrigin
        /// The conflict this change settled, rolled back or auto-resolved, if any.
        public var conflictID: String?
        /// Insert, update or delete. A deletion's `oldValue` is the record's fields as an object, its `newValue` null.
        public var kind: ChangeKind
    }

    public var storage: SharedStorage<Values>

    public init(
        changeID: String, key: RecordKey, field: String, version: Int, baseVersion: Int, op: TextOperation?,
        oldValue: JSONValue, newValue: JSONValue, user: UserRef, timestampMillis: Int64, origin: ChangeOrigin,
        conflictID: String? = nil, kind: ChangeKind = .update
    ) {
        storage = SharedStorage(Values(
            changeID: changeID, key: key, field: field, version: version, baseVersion: baseVersion, op: op,
            oldValue: oldValue, newValue: newValue, user: user, timestampMillis: timestampMillis, origin: origin,
            conflictID: conflictID, kind: kind))
    }

    /// The deletion of `record` at its next version: the fields it had as `oldValue`, null as `newValue`.
    public static func deletion(
        of record: RecordState, changeID: String, baseVersion: Int, user: UserRef, timestampMillis: Int64,
        origin: ChangeOrigin
    ) -> ChangeEntry {
        ChangeEntry(
            changeID: changeID, key: record.key, field: "", version: record.version + 1, baseVersion: baseVersion,
            op: nil, oldValue: .object(record.fields), newValue: .null, user: user, timestampMillis: timestampMillis,
            origin: origin, kind: .delete)
    }
}
