import TandemCore

extension WireCodec {
    static func decodeServerPayload(_ object: WireObject, type: String) throws(WireError) -> ServerMessage {
        let rid = object.rid
        switch type {
        case "connection_confirmed":
            return .connectionConfirmed(try connectionConfirmed(object))
        case "joined":
            return .joined(try joined(object))
        case "user_joined":
            return .userJoined(
                UserJoined(sessionID: try object.string("session_id"), user: try participant(object.object("user")))
            )
        case "user_left":
            return .userLeft(
                UserLeft(sessionID: try object.string("session_id"), user: try participant(object.object("user")))
            )
        case "model_changed":
            return .modelChanged(try modelChanged(object))
        case "ack":
            let op = object.optional("op").flatMap { $0 == .null ? nil : $0 }
            if let op, op.arrayValue == nil {
                throw object.failure(
                    "field \"op\" must be an array (an ot.js TextOperation), got \(WireObject.describe(op))", code: .invalidOp
                )
            }
            return .ack(Ack(rid: rid, version: try object.nonNegativeInteger("version"), op: op,
                            changeID: try object.optionalString("change_id"), value: object.optional("value")))
        case "cursor_moved":
            return .cursorMoved(
                CursorMoved(
                    sessionID: try object.string("session_id"), user: try userRef(object.object("user")),
                    field: try object.string("field"), state: try object.enumeration("state", as: CursorState.self),
                    position: try object.optionalObject("position").map { (nested) throws(WireError) in
                        try cursorPosition(nested)
                    }
                )
            )
        case "conflict_detected":
            return .conflictDetected(try conflictDetected(object))
        case "conflict_resolved":
            return .conflictResolved(try conflictResolved(object))
        case "comment_added":
            return .commentAdded(
                CommentAdded(
                    sessionID: try object.string("session_id"), comment: try comment(object.object("comment")), rid: rid
                )
            )
        case "error":
            return .error(
                ErrorMessage(
                    code: try object.enumeration("code", as: ErrorCode.self), message: try object.string("message"),
                    rid: rid
                )
            )
        case "resynced":
            return .resynced(
                Resynced(
                    sessionID: try object.string("session_id"), version: try object.nonNegativeInteger("version"),
                    recovered: try object.bool("recovered"),
                    participants: object.optional("participants") == nil
                        ? nil : try object.objects("participants") { (nested) throws(WireError) in try participant(nested) },
                    rid: rid
                )
            )
        case "pong":
            return .pong(Pong(serverTime: try object.timestamp("server_time"), rid: rid))
        default:
            throw unknownType(type, in: object)
        }
    }

    private static func connectionConfirmed(_ object: WireObject) throws(WireError) -> ConnectionConfirmed {
        ConnectionConfirmed(
            protocolVersion: try object.integer("protocol"), connectionID: try object.string("connection_id"),
            user: try userRef(object.object("user")), serverTime: try object.timestamp("server_time"),
            heartbeatMs: try object.nonNegativeInteger("heartbeat_ms")
        )
    }

    private static func conflictDetected(_ object: WireObject) throws(WireError) -> ConflictDetected {
        ConflictDetected(
            sessionID: try object.string("session_id"), conflictID: try object.string("conflict_id"),
            field: try object.string("field"), baseVersion: try object.nonNegativeInteger("base_version"),
            localValue: try object.required("local_value"), remoteValue: try object.required("remote_value"),
            remoteUser: try userRef(object.object("remote_user")), rid: object.rid
        )
    }

    private static func conflictResolved(_ object: WireObject) throws(WireError) -> ConflictResolved {
        ConflictResolved(
            sessionID: try object.string("session_id"), conflictID: try object.string("conflict_id"),
            field: try object.string("field"), choice: try object.enumeration("choice", as: ConflictChoice.self),
            value: try object.required("value"), user: try userRef(object.object("user")), rid: object.rid
        )
    }

    private static func joined(_ object: WireObject) throws(WireError) -> Joined {
        let sessionID = try object.string("session_id")
        let model = try object.string("model")
        let recordID = try object.recordID("record_id")
        let version = try object.nonNegativeInteger("version")
        let fields = try object.dictionary("fields")
        let versionsObject = try object.object("field_versions")
        var fieldVersions: [String: Int] = [:]
        for key in JSONWriter.sortedKeys(versionsObject.members) {
            fieldVersions[key] = try versionsObject.nonNegativeInteger(key)
        }
        return Joined(
            sessionID: sessionID, model: model, recordID: recordID, version: version, fields: fields,
            fieldVersions: fieldVersions,
            participants: try object.objects("participants") { (nested) throws(WireError) in try participant(nested) },
            comments: try object.objects("comments") { (nested) throws(WireError) in try comment(nested) },
            readOnly: try object.bool("read_only"), recovered: try object.optionalBool("recovered"),
            deleted: try object.optionalBool("deleted"), rid: object.rid
        )
    }

    private static func modelChanged(_ object: WireObject) throws(WireError) -> ModelChanged {
        ModelChanged(
            sessionID: try object.string("session_id"), model: try object.string("model"),
            recordID: try object.recordID("record_id"), field: try object.string("field"),
            version: try object.nonNegativeInteger("version"), edit: try fieldEdit(object),
            oldValue: object.optional("old_value"), user: try userRef(object.object("user")),
            timestamp: try object.timestamp("timestamp"), origin: try object.enumeration("origin", as: ChangeOrigin.self),
            changeID: try object.optionalString("change_id"),
            changeType: try object.optionalEnumeration("change_type", as: ChangeKind.self)
        )
    }

    static func userRef(_ object: WireObject) throws(WireError) -> UserRef {
        UserRef(id: try object.integer("id"), username: try object.string("username"))
    }

    static func participant(_ object: WireObject) throws(WireError) -> Participant {
        Participant(
            userID: try object.integer("user_id"), username: try object.string("username"),
            color: try object.string("color"), focus: try object.optionalString("focus")
        )
    }

    static func comment(_ object: WireObject) throws(WireError) -> CommentPayload {
        CommentPayload(
            id: try object.string("id"), field: try object.string("field"), text: try object.string("text"),
            parentID: try object.optionalString("parent_id"), user: try userRef(object.object("user")),
            createdAt: try object.timestamp("created_at")
        )
    }
}
