/// One entry of the durable audit log (`ab_collaboration_events`): who did what to which record and when.
///
/// Committed changes and conflicts have their own logs (`ChangeEntry`, `ConflictRecord`); this log also
/// holds joins, leaves, comments, resolutions, rollbacks and resyncs, so an auditor can replay a session.
public struct AuditEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case sessionJoined = "session_joined"
        case sessionLeft = "session_left"
        case fieldChanged = "field_changed"
        case commentAdded = "comment_added"
        case conflictDetected = "conflict_detected"
        case conflictResolved = "conflict_resolved"
        case rollback
        case resync
        case permissionDenied = "permission_denied"
        case recordDeleted = "record_deleted"
        /// Security events (the server's, not a record's): keyed `ab_user:<user id>` (or `ab_user:<username>`
        /// when no such user exists), with the client address and the reason in `metadata`.
        case loginFailed = "login_failed"
        case socketRefused = "socket_refused"
        case tokensRevoked = "tokens_revoked"

        /// True when the event belongs to a collaboration session (it joins, leaves or touches the record's
        /// session row); refusals and security events are logged without one.
        public var concernsSession: Bool {
            switch self {
            case .permissionDenied, .loginFailed, .socketRefused, .tokensRevoked: return false
            default: return true
            }
        }
    }

    public var kind: Kind
    public var key: RecordKey
    public var user: UserRef?
    public var field: String?
    public var oldValue: JSONValue?
    public var newValue: JSONValue?
    public var metadata: JSONValue
    public var createdAtMillis: Int64

    public init(
        kind: Kind, key: RecordKey, user: UserRef?, field: String? = nil, oldValue: JSONValue? = nil,
        newValue: JSONValue? = nil, metadata: JSONValue = [:], createdAtMillis: Int64
    ) {
        self.kind = kind
        self.key = key
        self.user = user
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
        self.metadata = metadata
        self.createdAtMillis = createdAtMillis
    }
}
