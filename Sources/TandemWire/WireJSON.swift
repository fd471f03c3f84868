import TandemCore

// The wire JSON of the protocol's small shared values, used by `WireCodec`'s encoders.

extension RequestID {
    var json: JSONValue {
        switch self {
        case .string(let text): return .string(text)
        case .integer(let number): return .int(number)
        }
    }
}

extension RecordID {
    var json: JSONValue {
        switch self {
        case .string(let text): return .string(text)
        case .integer(let number): return .int(number)
        }
    }
}

extension UserRef {
    var json: JSONValue { ["id": .int(id), "username": .string(username)] }
}

extension Participant {
    var json: JSONValue {
        var members: [String: JSONValue] = ["user_id": .int(userID), "username": .string(username), "color": .string(color)]
        if let focus { members["focus"] = .string(focus) }
        return .object(members)
    }
}

extension CursorPosition {
    var json: JSONValue { ["index": .int(index), "end": .int(end)] }
}

extension CommentPayload {
    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "field": .string(field), "text": .string(text), "user": user.json,
            "created_at": WireCodec.timestampJSON(createdAt),
        ]
        if let parentID { members["parent_id"] = .string(parentID) }
        return .object(members)
    }
}
