import TandemCore

extension WireCodec {
    /// The JSON object of a client frame; members whose Swift value is `nil` are omitted.
    static func clientJSON(_ message: ClientMessage) -> JSONValue {
        var members: [String: JSONValue] = ["type": .string(message.typeName)]
        members.setIfPresent("rid", message.rid?.json)
        switch message {
        case .joinCollaboration(let join):
            members["model"] = .string(join.model)
            members["record_id"] = join.recordID.json
        case .leaveCollaboration(let leave):
            members["session_id"] = .string(leave.sessionID)
        case .fieldChange(let change):
            members["session_id"] = .string(change.sessionID)
            members["field"] = .string(change.field)
            members["base_version"] = .int(change.baseVersion)
            members.set(change.edit)
            members.setIfPresent("change_id", change.changeID.map(JSONValue.string))
        case .cursor(let cursor):
            members["session_id"] = .string(cursor.sessionID)
            members["field"] = .string(cursor.field)
            members["state"] = .string(cursor.state.rawValue)
            members.setIfPresent("position", cursor.position?.json)
        case .comment(let comment):
            members["session_id"] = .string(comment.sessionID)
            members["field"] = .string(comment.field)
            members["text"] = .string(comment.text)
            members.setIfPresent("parent_id", comment.parentID.map(JSONValue.string))
        case .resolveConflict(let resolve):
            members["session_id"] = .string(resolve.sessionID)
            members["conflict_id"] = .string(resolve.conflictID)
            members["choice"] = .string(resolve.choice.rawValue)
            members.setIfPresent("value", resolve.value)
        case .rollback(let rollback):
            members["session_id"] = .string(rollback.sessionID)
            members["conflict_id"] = .string(rollback.conflictID)
        case .resync(let resync):
            members["session_id"] = .string(resync.sessionID)
            members["since_version"] = .int(resync.sinceVersion)
        case .ping:
            break
        }
        return .object(members)
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Sets a member only when there is a value: absent optionals are omitted from frames, not `null`.
    mutating func setIfPresent(_ key: String, _ value: JSONValue?) {
        if let value { self[key] = value }
    }

    /// Sets `op` or `value`, whichever the edit is.
    mutating func set(_ edit: FieldEdit) {
        switch edit {
        case .op(let op): self["op"] = op
        case .value(let value): self["value"] = value
        }
    }
}
