import TandemCore

extension WireCodec {
    static func decodeClientPayload(_ object: WireObject, type: String) throws(WireError) -> ClientMessage {
        let rid = object.rid
        switch type {
        case "join_collaboration":
            return .joinCollaboration(
                JoinCollaboration(model: try object.string("model"), recordID: try object.recordID("record_id"), rid: rid)
            )
        case "leave_collaboration":
            return .leaveCollaboration(LeaveCollaboration(sessionID: try object.string("session_id"), rid: rid))
        case "field_change":
            return .fieldChange(
                FieldChange(
                    sessionID: try object.string("session_id"), field: try object.string("field"),
                    baseVersion: try object.nonNegativeInteger("base_version"), edit: try fieldEdit(object), rid: rid,
                    changeID: try object.optionalString("change_id")
                )
            )
        case "cursor":
            return .cursor(
                CursorUpdate(
                    sessionID: try object.string("session_id"), field: try object.string("field"),
                    state: try object.enumeration("state", as: CursorState.self),
                    position: try object.optionalObject("position").map { (nested) throws(WireError) in
                        try cursorPosition(nested)
                    },
                    rid: rid
                )
            )
        case "comment":
            return .comment(
                CommentRequest(
                    sessionID: try object.string("session_id"), field: try object.string("field"),
                    text: try object.string("text"), parentID: try object.optionalString("parent_id"), rid: rid
                )
            )
        case "resolve_conflict":
            return .resolveConflict(try resolveConflict(object))
        case "rollback":
            return .rollback(
                Rollback(sessionID: try object.string("session_id"), conflictID: try object.string("conflict_id"), rid: rid)
            )
        case "resync":
            return .resync(
                Resync(
                    sessionID: try object.string("session_id"),
                    sinceVersion: try object.nonNegativeInteger("since_version"), rid: rid
                )
            )
        case "ping":
            return .ping(Ping(rid: rid))
        default:
            throw unknownType(type, in: object)
        }
    }

    private static func resolveConflict(_ object: WireObject) throws(WireError) -> ResolveConflict {
        let sessionID = try object.string("session_id")
        let conflictID = try object.string("conflict_id")
        let choice = try object.enumeration("choice", as: ConflictChoice.self)
        let value = object.optional("value")
        if choice == .merged && value == nil {
            throw object.failure("missing field \"value\", required when \"choice\" is \"merged\"")
        }
        return ResolveConflict(sessionID: sessionID, conflictID: conflictID, choice: choice, value: value, rid: object.rid)
    }

    /// The `op` or `value` of a change: exactly one must be present, and an `op` must be an array.
    static func fieldEdit(_ object: WireObject) throws(WireError) -> FieldEdit {
        switch (object.optional("op"), object.optional("value")) {
        case (nil, nil):
            throw object.failure("\(object.keyPath("op")) or \(object.keyPath("value")) is required, got neither")
        case (.some, .some):
            throw object.failure("exactly one of \(object.keyPath("op")) and \(object.keyPath("value")) is allowed, got both")
        case (let op?, nil):
            guard case .array = op else {
                throw object.failure(
                    "field \(object.keyPath("op")) must be an array (an ot.js TextOperation), got \(WireObject.describe(op))",
                    code: .invalidOp
                )
            }
            return .op(op)
        case (nil, let value?):
            return .value(value)
        }
    }

    static func cursorPosition(_ object: WireObject) throws(WireError) -> CursorPosition {
        CursorPosition(index: try object.nonNegativeInteger("index"), end: try object.nonNegativeInteger("end"))
    }
}
