import TandemCore

/// The JSON forms of the Core values that backplane messages carry (format version 1).
///
/// Member names are snake_case like the wire protocol's. Integers must be exact in a double (±2^53), so
/// encoding refuses larger ones instead of rounding them; `JSONValue` payloads are written as they are.
/// See `BackplaneEnvelope+JSON.swift` for the whole format.
enum BackplaneJSON {
    /// The largest integer magnitude a JSON number carries exactly.
    static let exactIntegerMagnitudeMax: Int64 = 9_007_199_254_740_992

    static func exact(_ value: Int, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        try exact(Int64(value), path)
    }

    static func exact(_ value: Int64, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        guard value.magnitude <= UInt64(exactIntegerMagnitudeMax) else {
            throw BackplaneCodingError(code: .unencodable, path: path, message: "integer \(value) is beyond ±2^53")
        }
        return .number(Double(value))
    }

    // MARK: Small values

    static func encode(_ user: UserRef, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        .object(["id": try exact(user.id, path + ".id"), "username": .string(user.username)])
    }

    static func user(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> UserRef {
        UserRef(id: try object.int("id"), username: try object.string("username"))
    }

    static func encode(_ key: RecordKey) -> JSONValue {
        .object(["model": .string(key.model), "record_id": .string(key.recordID)])
    }

    static func key(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> RecordKey {
        RecordKey(model: try object.string("model"), recordID: try object.string("record_id"))
    }

    static func encode(_ position: CursorPosition, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        .object(["index": try exact(position.index, path + ".index"), "end": try exact(position.end, path + ".end")])
    }

    static func position(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> CursorPosition {
        CursorPosition(index: try object.int("index"), end: try object.int("end"))
    }

    // MARK: Comment

    static func encode(_ comment: Comment, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(comment.id), "field": .string(comment.field), "text": .string(comment.text),
            "user": try encode(comment.user, path + ".user"),
            "created_at_millis": try exact(comment.createdAtMillis, path + ".created_at_millis"),
        ]
        if let parentID = comment.parentID { members["parent_id"] = .string(parentID) }
        return .object(members)
    }

    static func comment(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> Comment {
        Comment(
            id: try object.string("id"),
            field: try object.string("field"),
            text: try object.string("text"),
            parentID: try object.optionalString("parent_id"),
            user: try user(try object.object("user")),
            createdAtMillis: try object.int64("created_at_millis")
        )
    }

    // MARK: ChangeEntry

    static func encode(_ change: ChangeEntry, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        var members: [String: JSONValue] = [
            "change_id": .string(change.changeID), "key": encode(change.key), "field": .string(change.field),
            "version": try exact(change.version, path + ".version"),
            "base_version": try exact(change.baseVersion, path + ".base_version"),
            "old_value": change.oldValue, "new_value": change.newValue,
            "user": try encode(change.user, path + ".user"),
            "timestamp_millis": try exact(change.timestampMillis, path + ".timestamp_millis"),
            "origin": .string(change.origin.rawValue),
        ]
        if let op = change.op { members["op"] = op.json }
        if let conflictID = change.conflictID { members["conflict_id"] = .string(conflictID) }
        if change.kind != .update { members["kind"] = .string(change.kind.rawValue) }
        return .object(members)
    }

    static func change(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> ChangeEntry {
        var op: TextOperation?
        if let json = object.optionalJSON("op"), json != .null {
            do throws(TextOperationError) {
                op = try TextOperation(json: json)
            } catch {
                throw BackplaneCodingError(
                    code: .invalidValue,
                    path: object.memberPath("op"),
                    message: "not a text operation: \(error.message)",
                    underlying: error
                )
            }
        }
        return ChangeEntry(
            changeID: try object.string("change_id"),
            key: try key(try object.object("key")),
            field: try object.string("field"),
            version: try object.int("version"),
            baseVersion: try object.int("base_version"),
            op: op,
            oldValue: try object.required("old_value"),
            newValue: try object.required("new_value"),
            user: try user(try object.object("user")),
            timestampMillis: try object.int64("timestamp_millis"),
            origin: try object.enumeration("origin", as: ChangeOrigin.self),
            conflictID: try object.optionalString("conflict_id"),
            kind: try object.optionalEnumeration("kind", as: ChangeKind.self) ?? .update
        )
    }

    // MARK: ConflictRecord

    static func encode(_ conflict: ConflictRecord, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(conflict.id), "key": encode(conflict.key), "field": .string(conflict.field),
            "field_type": .string(conflict.fieldType.rawValue), "policy": .string(conflict.policy.rawValue),
            "base_version": try exact(conflict.baseVersion, path + ".base_version"),
            "local_value": conflict.localValue, "remote_value": conflict.remoteValue,
            "local_user": try encode(conflict.localUser, path + ".local_user"),
            "paths": .array(conflict.paths.map { .array($0.map { .string($0) }) }),
            "status": .string(conflict.status.rawValue),
            "created_at_millis": try exact(conflict.createdAtMillis, path + ".created_at_millis"),
        ]
        if let user = conflict.remoteUser { members["remote_user"] = try encode(user, path + ".remote_user") }
        if let choice = conflict.resolution { members["resolution"] = .string(choice.rawValue) }
        if let value = conflict.resolvedValue { members["resolved_value"] = value }
        if let user = conflict.resolvedBy { members["resolved_by"] = try encode(user, path + ".resolved_by") }
        if let value = conflict.valueBeforeResolution { members["value_before_resolution"] = value }
        if let version = conflict.resolutionVersion {
            members["resolution_version"] = try exact(version, path + ".resolution_version")
        }
        if let millis = conflict.resolvedAtMillis {
            members["resolved_at_millis"] = try exact(millis, path + ".resolved_at_millis")
        }
        return .object(members)
    }

    static func conflict(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> ConflictRecord {
        var remoteUser: UserRef?
        if let nested = try object.optionalObject("remote_user") { remoteUser = try user(nested) }
        var conflict = ConflictRecord(
            id: try object.string("id"),
            key: try key(try object.object("key")),
            field: try object.string("field"),
            fieldType: try object.enumeration("field_type", as: FieldType.self),
            policy: try object.enumeration("policy", as: ConflictPolicy.self),
            baseVersion: try object.int("base_version"),
            localValue: try object.required("local_value"),
            remoteValue: try object.required("remote_value"),
            localUser: try user(try object.object("local_user")),
            remoteUser: remoteUser,
            paths: try paths(object),
            status: try object.enumeration("status", as: ConflictRecord.Status.self, allowed: statusNames),
            createdAtMillis: try object.int64("created_at_millis")
        )
        conflict.resolution = try object.optionalEnumeration("resolution", as: ConflictChoice.self)
        conflict.resolvedValue = object.optionalJSON("resolved_value")
        if let nested = try object.optionalObject("resolved_by") { conflict.resolvedBy = try user(nested) }
        conflict.valueBeforeResolution = object.optionalJSON("value_before_resolution")
        conflict.resolutionVersion = try object.optionalInt("resolution_version")
        conflict.resolvedAtMillis = try object.optionalInt64("resolved_at_millis")
        return conflict
    }

    private static let statusNames = ["pending", "auto_resolved", "resolved", "rolled_back"]

    private static func paths(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> [[String]] {
        var paths: [[String]] = []
        for (position, element) in try object.array("paths").enumerated() {
            guard case .array(let components) = element else {
                throw object.wrongType("paths[\(position)]", expected: "an array of strings", got: element)
            }
            var path: [String] = []
            for component in components {
                guard case .string(let text) = component else {
                    throw object.wrongType("paths[\(position)]", expected: "an array of strings", got: component)
                }
                path.append(text)
            }
            paths.append(path)
        }
        return paths
    }
}
