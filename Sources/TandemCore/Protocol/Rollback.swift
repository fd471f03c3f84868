/// `rollback`: undoing a conflict resolution as a new change (the log is append-only).
public struct Rollback: Sendable, Hashable {
    public var sessionID: String
    public var conflictID: String
    public var rid: RequestID?

    public init(sessionID: String, conflictID: String, rid: RequestID? = nil) {
        self.sessionID = sessionID
        self.conflictID = conflictID
        self.rid = rid
    }
}
