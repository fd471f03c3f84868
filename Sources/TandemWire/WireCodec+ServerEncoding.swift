import TandemCore

extension WireCodec {
    /// The JSON object of a server frame; members whose Swift value is `nil` are omitted.
    static func serverJSON(_ message: ServerMessage) -> JSONValue {
        var members: [String: JSONValue] = ["type": .string(message.typeName)]
        members.setIfPresent("rid", message.rid?.json)
        switch message {
        case .connectionConfirmed(let confirmed):
            members["protocol"] = .int(confirmed.protocolVersion)
            members["connection_id"] = .string(confirmed.connectionID)
            members["user"] = confirmed.user.json
            members["server_time"] = timestampJSON(confirmed.serverTime)
            members["heartbeat_ms"] = .int(confirmed.heartbeatMs)
        case .joined(let joined): addMembers(of: joined, to: &members)
        case .userJoined(let joined):
            members["session_id"] = .string(joined.sessionID)
            members["user"] = joined.user.json
        case .userLeft(let left):
            members["session_id"] = .string(left.sessionID)
            members["user"] = left.user.json
        case .modelChanged(let changed): addMembers(of: changed, to: &members)
        case .ack(let ack):
            members["version"] = .int(ack.version)
            members.setIfPresent("op", ack.op)
            members.setIfPresent("change_id", ack.changeID.map(JSONValue.string))
            members.setIfPresent("value", ack.value)
        case .cursorMoved(let moved):
            members["session_id"] = .string(moved.sessionID)
            members["user"] = moved.user.json
            members["field"] = .string(moved.field)
            members["state"] = .string(moved.state.rawValue)
            members.setIfPresent("position", moved.position?.json)
        case .conflictDetected(let conflict): addMembers(of: conflict, to: &members)
        case .conflictResolved(let resolved): addMembers(of: resolved, to: &members)
        case .commentAdded(let added):
            members["session_id"] = .string(added.sessionID)
            members["comment"] = added.comment.json
        case .error(let error):
            members["code"] = .string(error.code.rawValue)
            members["message"] = .string(error.message)
        case .resynced(let resynced):
            members["session_id"] = .string(resynced.sessionID)
            members["version"] = .int(resynced.version)
            members["recovered"] = .bool(resynced.recovered)
            if let participants = resynced.participants { members["participants"] = .array(participants.map(\.json)) }
        case .pong(let pong):
            members["server_time"] = timestampJSON(pong.serverTime)
        }
        return .object(members)
    }

    static func timestampJSON(_ milliseconds: Int64) -> JSONValue {
        .string(RFC3339.string(fromMilliseconds: milliseconds))
    }

    private static func addMembers(of joined: Joined, to members: inout [String: JSONValue]) {
        members["session_id"] = .string(joined.sessionID)
        members["model"] = .string(joined.model)
        members["record_id"] = joined.recordID.json
        members["version"] = .int(joined.version)
        members["fields"] = .object(joined.fields)
        members["field_versions"] = .object(joined.fieldVersions.mapValues(JSONValue.int))
        members["participants"] = .array(joined.participants.map(\.json))
        members["comments"] = .array(joined.comments.map(\.json))
        members["read_only"] = .bool(joined.readOnly)
        members.setIfPresent("recovered", joined.recovered.map(JSONValue.bool))
        members.setIfPresent("deleted", joined.deleted.map(JSONValue.bool))
    }

    private static func addMembers(of changed: ModelChanged, to members: inout [String: JSONValue]) {
        members["session_id"] = .string(changed.sessionID)
        members["model"] = .string(changed.model)
        members["record_id"] = changed.recordID.json
        members["field"] = .string(changed.field)
        members["version"] = .int(changed.version)
        members.set(changed.edit)
        members.setIfPresent("old_value", changed.oldValue)
        members["user"] = changed.user.json
        members["timestamp"] = timestampJSON(changed.timestamp)
        members["origin"] = .string(changed.origin.rawValue)
        members.setIfPresent("change_id", changed.changeID.map(JSONValue.string))
        members.setIfPresent("change_type", changed.changeType.map { .string($0.rawValue) })
    }

    private static func addMembers(of conflict: ConflictDetected, to members: inout [String: JSONValue]) {
        members["session_id"] = .string(conflict.sessionID)
        members["conflict_id"] = .string(conflict.conflictID)
        members["field"] = .string(conflict.field)
        members["base_version"] = .int(conflict.baseVersion)
        members["local_value"] = conflict.localValue
        members["remote_value"] = conflict.remoteValue
        members["remote_user"] = conflict.remoteUser.json
    }

    private static func addMembers(of resolved: ConflictResolved, to members: inout [String: JSONValue]) {
        members["session_id"] = .string(resolved.sessionID)
        members["conflict_id"] = .string(resolved.conflictID)
        members["field"] = .string(resolved.field)
        members["choice"] = .string(resolved.choice.rawValue)
        members["value"] = resolved.value
        members["user"] = resolved.user.json
    }
}
