import TandemCore
import TandemEngine

/// A `ChangeEntry` as one row of `ab_model_change_log`: plain column values shared by both SQL dialects.
struct ChangeRow: Sendable, Hashable {
    var changeID: String
    var model: String
    var recordID: String
    var sessionID: String
    var field: String
    var version: Int64
    var baseVersion: Int64
    /// ot.js JSON of the committed text op, or nil for non-text fields.
    var op: String?
    var oldValue: String
    var newValue: String
    var userID: Int64
    var username: String
    var origin: String
    var conflictID: String?
    var createdAtMillis: Int64
    /// `INSERT`, `UPDATE` or `DELETE` (the seed's `change_type`).
    var changeType: String

    /// The column list, in the order of the stored properties (and of every INSERT and SELECT).
    static let columns = """
        change_id, model_name, record_id, session_id, field_name, version, base_version, op, old_value, new_value, \
        user_id, username, origin, conflict_id, created_at_ms, change_type
        """
    static let columnCount = 16

    init(_ entry: ChangeEntry) throws(StoreError) {
        let context = "append \(entry.key) v\(entry.version): ab_model_change_log"
        changeID = entry.changeID
        model = entry.key.model
        recordID = entry.key.recordID
        sessionID = entry.key.sessionID
        field = entry.field
        version = Int64(entry.version)
        baseVersion = Int64(entry.baseVersion)
        op = try entry.op.map { op throws(StoreError) in try StoreJSON.text(op.json, context) }
        oldValue = try StoreJSON.text(entry.oldValue, context)
        newValue = try StoreJSON.text(entry.newValue, context)
        userID = Int64(entry.user.id)
        username = entry.user.username
        origin = entry.origin.rawValue
        conflictID = entry.conflictID
        createdAtMillis = entry.timestampMillis
        changeType = entry.kind.columnValue
    }

    init(
        changeID: String,
        model: String,
        recordID: String,
        sessionID: String,
        field: String,
        version: Int64,
        baseVersion: Int64,
        op: String?,
        oldValue: String,
        newValue: String,
        userID: Int64,
        username: String,
        origin: String,
        conflictID: String?,
        createdAtMillis: Int64,
        changeType: String
    ) {
        self.changeID = changeID
        self.model = model
        self.recordID = recordID
        self.sessionID = sessionID
        self.field = field
        self.version = version
        self.baseVersion = baseVersion
        self.op = op
        self.oldValue = oldValue
        self.newValue = newValue
        self.userID = userID
        self.username = username
        self.origin = origin
        self.conflictID = conflictID
        self.createdAtMillis = createdAtMillis
        self.changeType = changeType
    }

    func entry() throws(StoreError) -> ChangeEntry {
        let context = "read ab_model_change_log \(model):\(recordID) v\(version)"
        guard let kind = ChangeKind(columnValue: changeType) else {
            throw StoreError.corrupt("\(context): change_type is \"\(changeType)\", not INSERT, UPDATE or DELETE")
        }
        var textOperation: TextOperation?
        if let op {
            let json = try StoreJSON.value(op, context)
            do {
                textOperation = try TextOperation(json: json)
            } catch {
                throw StoreError.corrupt("\(context): stored op is not a text operation: \(error)")
            }
        }
        return ChangeEntry(
            changeID: changeID,
            key: RecordKey(model: model, recordID: recordID),
            field: field,
            version: try StoreJSON.int(version, context),
            baseVersion: try StoreJSON.int(baseVersion, context),
            op: textOperation,
            oldValue: try StoreJSON.value(oldValue, context),
            newValue: try StoreJSON.value(newValue, context),
            user: UserRef(id: try StoreJSON.int(userID, context), username: username),
            timestampMillis: createdAtMillis,
            origin: try StoreJSON.enumeration(ChangeOrigin.self, origin, context),
            conflictID: conflictID,
            kind: kind
        )
    }
}
