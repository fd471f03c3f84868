/// `conflict_detected`: the sender's change to a `manual` field was not committed; the user must choose.
public struct ConflictDetected: Sendable, Hashable {
    public var sessionID: String
    public var conflictID: String
    public var field: String
    public var baseVersion: Int
    /// The value the sender tried to write.
    public var localValue: JSONValue
    /// The value committed since `baseVersion`.
    public var remoteValue: JSONValue
    public var remoteUser: UserRef
    public var rid: RequestID?

    public init(
        sessionID: String, conflictID: String, field: String, baseVersion: Int, localValue: JSONValue,
        remoteValue: JSONValue, remoteUser: UserRef, rid: RequestID? = nil
    ) {
        self.sessionID = sessionID
        self.conflictID = conflictID
        self.field = field
        self.baseVersion = baseVersion
        self.localValue = localValue
        self.remoteValue = remoteValue
        self.remoteUser = remoteUser
        self.rid = rid
    }
}
