/// The authoritative state of a record at one version: its field values and the version at which each
/// field last changed.
public struct RecordState: Sendable, Hashable {
    public var key: RecordKey
    /// The number of committed changes (1, 2, 3 …, no gaps); 0 for a record nobody has written.
    public var version: Int
    public var fields: [String: JSONValue]
    public var fieldVersions: [String: Int]
    /// True when the latest change deleted the record (its `version` is the deletion's); the next insert
    /// re-creates it.
    public var deleted: Bool

    public init(
        key: RecordKey, version: Int, fields: [String: JSONValue], fieldVersions: [String: Int], deleted: Bool = false
    ) {
        self.key = key
        self.version = version
        self.fields = fields
        self.fieldVersions = fieldVersions
        self.deleted = deleted
    }

    /// Whether anybody can see the record: it was written and is not deleted.
    public var exists: Bool { version > 0 && !deleted }

    /// What a change to this record would be: an insert when the record does not exist, else an update.
    public var nextChangeKind: ChangeKind { exists ? .update : .insert }

    /// Applies a committed change: the next version, and that field's new value (a deletion clears them all).
    public mutating func apply(_ change: ChangeEntry) {
        precondition(change.key == key, "change for \(change.key) applied to \(key)")
        precondition(change.version == version + 1, "change v\(change.version) applied to record at v\(version)")
        version = change.version
        if change.kind == .delete {
            fields = [:]
            fieldVersions = [:]
            deleted = true
            return
        }
        deleted = false
        fields[change.field] = change.newValue
        fieldVersions[change.field] = change.version
    }
}
