/// A frame a server node sends to a client, one case per PROTOCOL.md server message type.
///
/// The simulator delivers these values directly; real connections carry them as JSON through
/// `TandemWire.WireCodec`. `indirect`: a fan-out hands one message to hundreds of connections; boxed, each
/// copy is one retain instead of one per string and value in the payload (measured: 8% faster simulations).
public indirect enum ServerMessage: Sendable, Hashable {
    case connectionConfirmed(ConnectionConfirmed)
    case joined(Joined)
    case userJoined(UserJoined)
    case userLeft(UserLeft)
    case modelChanged(ModelChanged)
    case ack(Ack)
    case cursorMoved(CursorMoved)
    case conflictDetected(ConflictDetected)
    case conflictResolved(ConflictResolved)
    case commentAdded(CommentAdded)
    case error(ErrorMessage)
    case resynced(Resynced)
    case pong(Pong)

    /// Every wire `type` a server may send.
    public static let typeNames = [
        "connection_confirmed", "joined", "user_joined", "user_left", "model_changed", "ack", "cursor_moved",
        "conflict_detected", "conflict_resolved", "comment_added", "error", "resynced", "pong",
    ]

    /// The frame's wire `type`.
    public var typeName: String {
        switch self {
        case .connectionConfirmed: return "connection_confirmed"
        case .joined: return "joined"
        case .userJoined: return "user_joined"
        case .userLeft: return "user_left"
        case .modelChanged: return "model_changed"
        case .ack: return "ack"
        case .cursorMoved: return "cursor_moved"
        case .conflictDetected: return "conflict_detected"
        case .conflictResolved: return "conflict_resolved"
        case .commentAdded: return "comment_added"
        case .error: return "error"
        case .resynced: return "resynced"
        case .pong: return "pong"
        }
    }

    /// The request id this frame answers, if any.
    public var rid: RequestID? {
        switch self {
        case .joined(let message): return message.rid
        case .ack(let message): return message.rid
        case .conflictDetected(let message): return message.rid
        case .conflictResolved(let message): return message.rid
        case .commentAdded(let message): return message.rid
        case .error(let message): return message.rid
        case .resynced(let message): return message.rid
        case .pong(let message): return message.rid
        case .connectionConfirmed, .userJoined, .userLeft, .modelChanged, .cursorMoved: return nil
        }
    }
}
