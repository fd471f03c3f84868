/// `resolve_conflict`: settling a manual conflict; everyone gets `conflict_resolved`.
///
/// `value` is required when `choice` is `.merged` (decoding refuses a merge without one) and otherwise
/// optional and unused.
public struct ResolveConflict: Sendable, Hashable {
    public var sessionID: String
    public var conflictID: String
    public var choice: ConflictChoice
    public var value: JSONValue?
    public var rid: RequestID?

    public init(
        sessionID: String, conflictID: String, choice: ConflictChoice, value: JSONValue? = nil, rid: RequestID? = nil
    ) {
        self.sessionID = sessionID
        self.conflictID = conflictID
        self.choice = choice
        self.value = value
        self.rid = rid
    }
}
