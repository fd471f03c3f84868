import TandemCore
import TandemEngine

/// A `RecordState` as one row of `tandem_records`, plus how far its change log was pruned.
struct RecordRow: Sendable, Hashable {
    var model: String
    var recordID: String
    var version: Int64
    /// JSON object: field name → value.
    var fields: String
    /// JSON object: field name → the version that last changed it.
    var fieldVersions: String
    /// Log rows at or below this version were archived; `changes(after:)` below it cannot reach back.
    var prunedThrough: Int64
    /// 1 when the latest change deleted the record (its fields are then empty), else 0.
    var deleted: Int64

    init(
        model: String, recordID: String, version: Int64, fields: String, fieldVersions: String, prunedThrough: Int64,
        deleted: Int64
    ) {
        self.model = model
        self.recordID = recordID
        self.version = version
        self.fields = fields
        self.fieldVersions = fieldVersions
        self.prunedThrough = prunedThrough
        self.deleted = deleted
    }

    init(_ state: RecordState, prunedThrough: Int64) throws(StoreError) {
        let context = "write tandem_records \(state.key) v\(state.version)"
        model = state.key.model
        recordID = state.key.recordID
        version = Int64(state.version)
        fields = try StoreJSON.text(.object(state.fields), context)
        fieldVersions = try StoreJSON.text(.object(state.fieldVersions.mapValues { JSONValue.int($0) }), context)
        self.prunedThrough = prunedThrough
        deleted = state.deleted ? 1 : 0
    }

    func state() throws(StoreError) -> RecordState {
        let context = "read tandem_records \(model):\(recordID)"
        guard case .object(let fieldValues) = try StoreJSON.value(fields, context) else {
            throw StoreError.corrupt("\(context): fields is not a JSON object")
        }
        guard case .object(let versionValues) = try StoreJSON.value(fieldVersions, context) else {
            throw StoreError.corrupt("\(context): field_versions is not a JSON object")
        }
        var versions: [String: Int] = [:]
        for (name, value) in versionValues {
            guard let version = value.intValue else {
                throw StoreError.corrupt("\(context): field_versions.\(name) is \(value)")
            }
            versions[name] = version
        }
        return RecordState(
            key: RecordKey(model: model, recordID: recordID),
            version: try StoreJSON.int(version, context),
            fields: fieldValues,
            fieldVersions: versions,
            deleted: deleted != 0
        )
    }

    /// The record after `change`, or nil when the record is not at `change.version - 1` (a clash).
    static func applying(
        _ change: ChangeEntry,
        to current: RecordRow?
    ) throws(StoreError) -> RecordState? {
        var state =
            try current?.state()
            ?? RecordState(key: change.key, version: 0, fields: [:], fieldVersions: [:])
        guard state.version == change.version - 1 else { return nil }
        state.apply(change)
        return state
    }
}
