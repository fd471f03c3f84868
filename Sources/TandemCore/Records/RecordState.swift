/// The authoritative state of a record at one version: its field values and the version at which each
/// field last changed.
public struct RecordState: Sendable, Hashable {
    public var key: RecordKey
    /// The number of committed changes (1, 2, 3 …, no gaps); 0 for a record nobody has written.
    public var version: Int
    public var fields: [String: JSONValue]
    public var fieldVersions: [String: Int]

    public init(key: RecordKey, version: Int, fields: [String: JSONValue], fieldVersions: [String: Int]) {
        self.key = key
        self.version = version
        self.fields = fields
        self.fieldVersions = fieldVersions
    }

    /// Applies a committed change: the next version, that field's new value.
    public mutating func apply(_ change: ChangeEntry) {
        precondition(change.key == key, "change for \(change.key) applied to \(key)")
        precondition(change.version == version + 1, "change v\(change.version) applied to record at v\(version)")
        version = change.version
        fields[change.field] = change.newValue
        fieldVersions[change.field] = change.version
    }
}
