/// `conflict_resolved`: a manual conflict was settled, with the resulting value.
public struct ConflictResolved: Sendable, Hashable {
    public var sessionID: String
    public var conflictID: String
    public var field: String
    public var choice: ConflictChoice
    public var value: JSONValue
    public var user: UserRef
    public var rid: RequestID?

    public init(
        sessionID: String, conflictID: String, field: String, choice: ConflictChoice, value: JSONValue, user: UserRef,
        rid: RequestID? = nil
    ) {
        self.sessionID = sessionID
        self.conflictID = conflictID
        self.field = field
        self.choice = choice
        self.value = value
        self.user = user
        self.rid = rid
    }
}
