import TandemRuntime
import TandemCore

/// Builds the protocol's server messages from engine values: the one place that maps engine state to wire
/// payloads, so the node's logic reads without payload plumbing.
enum Messages {
    static func recordID(_ key: RecordKey) -> RecordID {
        if let number = Int(key.recordID), String(number) == key.recordID { return .integer(number) }
        return .string(key.recordID)
    }

    static func confirmed(connectionID: String, user: UserRef, serverTimeMillis: Int64, heartbeat: Duration) -> ConnectionConfirmed {
        ConnectionConfirmed(protocolVersion: 1, connectionID: connectionID, user: user, serverTime: serverTimeMillis,
                            heartbeatMs: Int(heartbeat.nanosecondsClamped / 1_000_000))
    }

    static func joined(_ session: SessionState, readOnly: Bool, rid: RequestID?) -> Joined {
        let key = session.record.key
        return Joined(
            sessionID: key.sessionID, model: key.model, recordID: recordID(key), version: session.record.version,
            fields: session.record.fields, fieldVersions: session.record.fieldVersions,
            participants: session.presence.participants, comments: session.comments.comments.map(commentPayload),
            readOnly: readOnly, deleted: session.record.deleted ? true : nil, rid: rid)
    }

    static func participant(_ user: UserRef, color: String, focus: String? = nil) -> Participant {
        Participant(userID: user.id, username: user.username, color: color, focus: focus)
    }

    static func userPresence(_ key: RecordKey, _ user: UserRef, color: String) -> UserJoined {
        UserJoined(sessionID: key.sessionID, user: participant(user, color: color))
    }

    static func userLeft(_ key: RecordKey, _ user: UserRef) -> UserLeft {
        UserLeft(sessionID: key.sessionID, user: participant(user, color: PresenceTable.color(for: user.id)))
    }

    static func modelChanged(_ change: ChangeEntry) -> ModelChanged {
        ModelChanged(
            sessionID: change.key.sessionID, model: change.key.model, recordID: recordID(change.key), field: change.field,
            version: change.version, edit: change.op.map { .op($0.json) } ?? .value(change.newValue),
            oldValue: change.oldValue, user: change.user, timestamp: change.timestampMillis, origin: change.origin,
            changeID: change.changeID, changeType: change.kind == .delete ? .delete : nil)
    }

    static func ack(_ change: ChangeEntry, rid: RequestID?) -> Ack {
        Ack(rid: rid, version: change.version, op: change.op?.json, changeID: change.changeID,
            value: change.op == nil ? change.newValue : nil)
    }

    static func cursorMoved(
        _ key: RecordKey, _ user: UserRef, field: String, state: CursorState, position: CursorPosition?
    ) -> CursorMoved {
        CursorMoved(sessionID: key.sessionID, user: user, field: field, state: state, position: position)
    }

    static func conflictDetected(_ conflict: ConflictRecord, rid: RequestID?) -> ConflictDetected {
        ConflictDetected(
            sessionID: conflict.key.sessionID, conflictID: conflict.id, field: conflict.field,
            baseVersion: conflict.baseVersion, localValue: conflict.localValue, remoteValue: conflict.remoteValue,
            remoteUser: conflict.remoteUser ?? UserRef(id: 0, username: ""), rid: rid)
    }

    static func conflictResolved(_ conflict: ConflictRecord) -> ConflictResolved {
        ConflictResolved(
            sessionID: conflict.key.sessionID, conflictID: conflict.id, field: conflict.field,
            choice: conflict.resolution ?? .remote, value: conflict.resolvedValue ?? .null,
            user: conflict.resolvedBy ?? conflict.localUser)
    }

    static func commentPayload(_ comment: Comment) -> CommentPayload {
        CommentPayload(id: comment.id, field: comment.field, text: comment.text, parentID: comment.parentID,
                       user: comment.user, createdAt: comment.createdAtMillis)
    }

    static func commentAdded(_ key: RecordKey, _ comment: Comment, rid: RequestID?) -> CommentAdded {
        CommentAdded(sessionID: key.sessionID, comment: commentPayload(comment), rid: rid)
    }

    static func error(_ code: ErrorCode, _ message: String, rid: RequestID?) -> ErrorMessage {
        ErrorMessage(code: code, message: message, rid: rid)
    }

    static func resynced(_ key: RecordKey, version: Int, recovered: Bool, participants: [Participant], rid: RequestID?)
        -> Resynced
    {
        Resynced(sessionID: key.sessionID, version: version, recovered: recovered, participants: participants, rid: rid)
    }

    static func pong(serverTimeMillis: Int64, rid: RequestID?) -> Pong { Pong(serverTime: serverTimeMillis, rid: rid) }
}
