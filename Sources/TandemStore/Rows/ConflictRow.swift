import TandemCore
import TandemEngine

/// A `ConflictRecord` as one row of `ab_collaboration_conflicts`, in the seed design's shape.
///
/// `local_change` and `remote_change` are `{user, value}` objects; `resolution` holds only the parts that are set
/// (`choice`, `value`, `value_before`, `version`), so a resolved value of JSON `null` stays distinct from none.
struct ConflictRow: Sendable, Hashable {
    var conflictID: String
    var model: String
    var recordID: String
    var sessionID: String
    var field: String
    var conflictType: String
    var policy: String
    var baseVersion: Int64
    var localChange: String
    var remoteChange: String
    var paths: String
    var status: String
    var resolution: String?
    var resolutionMethod: String
    var resolvedBy: Int64?
    var resolvedByUsername: String?
    var createdAtMillis: Int64
    var resolvedAtMillis: Int64?

    static let columns = """
        conflict_id, model_name, record_id, session_id, field_name, conflict_type, policy, base_version, \
        local_change, remote_change, paths, status, resolution, resolution_method, resolved_by, \
        resolved_by_username, created_at_ms, resolved_at_ms
        """

    init(_ conflict: ConflictRecord) throws(StoreError) {
        let context = "save conflict \(conflict.id) of \(conflict.key): ab_collaboration_conflicts"
        conflictID = conflict.id
        model = conflict.key.model
        recordID = conflict.key.recordID
        sessionID = conflict.key.sessionID
        field = conflict.field
        conflictType = conflict.fieldType.rawValue
        policy = conflict.policy.rawValue
        baseVersion = Int64(conflict.baseVersion)
        localChange = try StoreJSON.text(
            ["user": StoreJSON.user(conflict.localUser), "value": conflict.localValue],
            context
        )
        remoteChange = try StoreJSON.text(
            ["user": conflict.remoteUser.map(StoreJSON.user) ?? .null, "value": conflict.remoteValue],
            context
        )
        paths = try StoreJSON.text(.array(conflict.paths.map { .array($0.map(JSONValue.string)) }), context)
        status = conflict.status.rawValue
        var parts: [String: JSONValue] = [:]
        if let choice = conflict.resolution { parts["choice"] = .string(choice.rawValue) }
        if let value = conflict.resolvedValue { parts["value"] = value }
        if let before = conflict.valueBeforeResolution { parts["value_before"] = before }
        if let version = conflict.resolutionVersion { parts["version"] = .int(version) }
        resolution = parts.isEmpty ? nil : try StoreJSON.text(.object(parts), context)
        resolutionMethod = conflict.resolutionMethod
        resolvedBy = conflict.resolvedBy.map { Int64($0.id) }
        resolvedByUsername = conflict.resolvedBy?.username
        createdAtMillis = conflict.createdAtMillis
        resolvedAtMillis = conflict.resolvedAtMillis
    }

    init(columns values: ConflictColumns) {
        (
            conflictID, model, recordID, sessionID, field, conflictType, policy, baseVersion, localChange, remoteChange,
            paths, status, resolution, resolutionMethod, resolvedBy, resolvedByUsername, createdAtMillis,
            resolvedAtMillis
        ) = values
    }

    func conflict() throws(StoreError) -> ConflictRecord {
        let context = "read ab_collaboration_conflicts \(model):\(recordID) \(conflictID)"
        let local = try StoreJSON.value(localChange, context)
        let remote = try StoreJSON.value(remoteChange, context)
        var remoteUser: UserRef?
        if let user = remote["user"], !user.isNull { remoteUser = try StoreJSON.decodeUser(user, context) }
        guard case .array(let pathValues) = try StoreJSON.value(paths, context) else {
            throw StoreError.corrupt("\(context): paths is not an array")
        }
        var decodedPaths: [[String]] = []
        for path in pathValues {
            guard let parts = path.arrayValue?.compactMap(\.stringValue), parts.count == path.arrayValue?.count else {
                throw StoreError.corrupt("\(context): path \(path) is not an array of strings")
            }
            decodedPaths.append(parts)
        }
        var record = ConflictRecord(
            id: conflictID,
            key: RecordKey(model: model, recordID: recordID),
            field: field,
            fieldType: try StoreJSON.enumeration(FieldType.self, conflictType, context),
            policy: try StoreJSON.enumeration(ConflictPolicy.self, policy, context),
            baseVersion: try StoreJSON.int(baseVersion, context),
            localValue: local["value"] ?? .null,
            remoteValue: remote["value"] ?? .null,
            localUser: try StoreJSON.decodeUser(local["user"] ?? .null, context),
            remoteUser: remoteUser,
            paths: decodedPaths,
            status: try StoreJSON.enumeration(ConflictRecord.Status.self, status, context),
            createdAtMillis: createdAtMillis
        )
        if let resolution {
            let parts = try StoreJSON.value(resolution, context)
            record.resolution = try parts["choice"]?.stringValue.map { choice throws(StoreError) in
                try StoreJSON.enumeration(ConflictChoice.self, choice, context)
            }
            record.resolvedValue = parts["value"]
            record.valueBeforeResolution = parts["value_before"]
            record.resolutionVersion = parts["version"]?.intValue
        }
        if let resolvedBy {
            record.resolvedBy = UserRef(id: try StoreJSON.int(resolvedBy, context), username: resolvedByUsername ?? "")
        }
        record.resolvedAtMillis = resolvedAtMillis
        return record
    }
}

/// The columns of `ab_collaboration_conflicts` in `ConflictRow.columns` order, as both drivers decode them.
typealias ConflictColumns = (
    String, String, String, String, String, String, String, Int64, String, String, String, String, String?, String,
    Int64?, String?, Int64, Int64?
)
