import TandemCore

/// One or more example values of every protocol message, covering every optional member set and unset.
enum WireSamples {
    static let alice = UserRef(id: 1, username: "alice")
    static let time: Int64 = 1_767_225_600_123

    static let client: [ClientMessage] = [
        .joinCollaboration(JoinCollaboration(model: "Contact", recordID: 42, rid: 1)),
        .joinCollaboration(JoinCollaboration(model: "Contact", recordID: "pk-é", rid: "r-1")),
        .leaveCollaboration(LeaveCollaboration(sessionID: "s1")),
        .leaveCollaboration(LeaveCollaboration(sessionID: "s1", rid: -3)),
        .fieldChange(FieldChange(sessionID: "s1", field: "notes", baseVersion: 7, edit: .op([5, " beautiful", 6]), rid: 2)),
        .fieldChange(FieldChange(sessionID: "s1", field: "name", baseVersion: 0, edit: .value("Zoë 😀"))),
        .fieldChange(FieldChange(sessionID: "s1", field: "extra", baseVersion: 3, edit: .value(nil), rid: "x")),
        .fieldChange(FieldChange(sessionID: "s1", field: "meta", baseVersion: 3, edit: .value(["a": [1, 2.5, true]]))),
        .cursor(CursorUpdate(sessionID: "s1", field: "notes", state: .focus, position: CursorPosition(index: 3, end: 5))),
        .cursor(CursorUpdate(sessionID: "s1", field: "notes", state: .blur)),
        .comment(CommentRequest(sessionID: "s1", field: "notes", text: "Why \"this\"?\n", rid: 4)),
        .comment(CommentRequest(sessionID: "s1", field: "notes", text: "because", parentID: "c1")),
        .resolveConflict(ResolveConflict(sessionID: "s1", conflictID: "k1", choice: .local, rid: 5)),
        .resolveConflict(ResolveConflict(sessionID: "s1", conflictID: "k1", choice: .remote)),
        .resolveConflict(ResolveConflict(sessionID: "s1", conflictID: "k1", choice: .merged, value: "both", rid: 6)),
        .rollback(Rollback(sessionID: "s1", conflictID: "k1", rid: 7)),
        .resync(Resync(sessionID: "s1", sinceVersion: 12, rid: 8)),
        .ping(Ping()),
        .ping(Ping(rid: "p")),
    ]

    static let server: [ServerMessage] = [
        .connectionConfirmed(ConnectionConfirmed(connectionID: "c-9", user: alice, serverTime: time, heartbeatMs: 15_000)),
        .joined(
            Joined(
                sessionID: "s1", model: "Contact", recordID: 42, version: 7,
                fields: ["name": "Ann", "notes": "Hello world", "age": 31, "tags": ["a"], "meta": nil],
                fieldVersions: ["name": 1, "notes": 7], participants: [
                    Participant(userID: 1, username: "alice", color: "#e6194b", focus: "notes"),
                    Participant(userID: 2, username: "bob", color: "#3cb44b"),
                ],
                comments: [
                    CommentPayload(id: "c1", field: "notes", text: "hi", user: alice, createdAt: time),
                    CommentPayload(id: "c2", field: "notes", text: "yo", parentID: "c1", user: alice, createdAt: 0),
                ],
                readOnly: false, rid: 1
            )
        ),
        .joined(
            Joined(
                sessionID: "s1", model: "Contact", recordID: "k", version: 0, fields: [:], fieldVersions: [:],
                participants: [], comments: [], readOnly: true, recovered: false
            )
        ),
        .userJoined(UserJoined(sessionID: "s1", user: Participant(userID: 2, username: "bob", color: "#3cb44b"))),
        .userLeft(UserLeft(sessionID: "s1", user: Participant(userID: 2, username: "bob", color: "#3cb44b"))),
        .modelChanged(
            ModelChanged(
                sessionID: "s1", model: "Contact", recordID: 42, field: "notes", version: 8, edit: .op([11, "!"]),
                user: alice, timestamp: time, origin: .ws
            )
        ),
        .modelChanged(
            ModelChanged(
                sessionID: "s1", model: "Contact", recordID: 42, field: "age", version: 9, edit: .value(32),
                oldValue: 31, user: alice, timestamp: time, origin: .rest
            )
        ),
        .modelChanged(
            ModelChanged(
                sessionID: "s1", model: "Contact", recordID: 42, field: "meta", version: 10, edit: .value(nil),
                oldValue: .null, user: alice, timestamp: time, origin: .resolution
            )
        ),
        .ack(Ack(rid: 2, version: 8, op: [5, " beautiful", 7])),
        .ack(Ack(rid: nil, version: 9)),
        .cursorMoved(CursorMoved(sessionID: "s1", user: alice, field: "notes", state: .focus, position: CursorPosition(index: 1, end: 1))),
        .cursorMoved(CursorMoved(sessionID: "s1", user: alice, field: "notes", state: .blur)),
        .conflictDetected(
            ConflictDetected(
                sessionID: "s1", conflictID: "k1", field: "name", baseVersion: 3, localValue: "Ann", remoteValue: "Anne",
                remoteUser: UserRef(id: 2, username: "bob"), rid: 3
            )
        ),
        .conflictResolved(
            ConflictResolved(sessionID: "s1", conflictID: "k1", field: "name", choice: .merged, value: "Ann(e)", user: alice)
        ),
        .commentAdded(
            CommentAdded(
                sessionID: "s1", comment: CommentPayload(id: "c3", field: "notes", text: "ok", user: alice, createdAt: time),
                rid: 4
            )
        ),
        .error(ErrorMessage(code: .notJoined, message: "join first", rid: "r")),
        .error(ErrorMessage(code: .internal, message: "oops")),
        .resynced(Resynced(sessionID: "s1", version: 12, recovered: true, rid: 8)),
        .resynced(Resynced(sessionID: "s1", version: 12, recovered: false,
                           participants: [Participant(userID: 3, username: "ada", color: "#4f46e5")], rid: nil)),
        .pong(Pong(serverTime: time)),
        .pong(Pong(serverTime: time, rid: 9)),
        .modelChanged(
            ModelChanged(
                sessionID: "s1", model: "Contact", recordID: 42, field: "", version: 11, edit: .value(nil),
                oldValue: ["age": 32, "name": "Ann"], user: alice, timestamp: time, origin: .rest, changeID: "rest-1",
                changeType: .delete
            )
        ),
        .joined(
            Joined(
                sessionID: "s1", model: "Contact", recordID: 42, version: 11, fields: [:], fieldVersions: [:],
                participants: [], comments: [], readOnly: false, recovered: false, deleted: true
            )
        ),
    ]
}
