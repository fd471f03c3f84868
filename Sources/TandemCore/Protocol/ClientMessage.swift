/// A frame a client sends to a server node, one case per PROTOCOL.md client message type.
///
/// The simulator's clients exchange these values directly; real clients send them as JSON through
/// `TandemWire.WireCodec`. Every case may carry a `rid`, which every reply echoes.
public enum ClientMessage: Sendable, Hashable {
    case joinCollaboration(JoinCollaboration)
    case leaveCollaboration(LeaveCollaboration)
    case fieldChange(FieldChange)
    case cursor(CursorUpdate)
    case comment(CommentRequest)
    case resolveConflict(ResolveConflict)
    case rollback(Rollback)
    case resync(Resync)
    case ping(Ping)

    /// Every wire `type` a client may send, in PROTOCOL.md order.
    public static let typeNames = [
        "join_collaboration", "leave_collaboration", "field_change", "cursor", "comment", "resolve_conflict",
        "rollback", "resync", "ping",
    ]

    /// The frame's wire `type`.
    public var typeName: String {
        switch self {
        case .joinCollaboration: return "join_collaboration"
        case .leaveCollaboration: return "leave_collaboration"
        case .fieldChange: return "field_change"
        case .cursor: return "cursor"
        case .comment: return "comment"
        case .resolveConflict: return "resolve_conflict"
        case .rollback: return "rollback"
        case .resync: return "resync"
        case .ping: return "ping"
        }
    }

    /// The request id the client chose, if any.
    public var rid: RequestID? {
        switch self {
        case .joinCollaboration(let message): return message.rid
        case .leaveCollaboration(let message): return message.rid
        case .fieldChange(let message): return message.rid
        case .cursor(let message): return message.rid
        case .comment(let message): return message.rid
        case .resolveConflict(let message): return message.rid
        case .rollback(let message): return message.rid
        case .resync(let message): return message.rid
        case .ping(let message): return message.rid
        }
    }
}
