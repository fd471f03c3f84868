import TandemCore

/// A client's copy of one text field, kept the way a browser keeps it: local ops applied at once and
/// server ops transformed through the ot.js client state.
///
/// One copy for the engine tests (messages from an in-process node) and the server tests (frames from a real
/// `tandem-server`); it needs only `TandemCore`, so it lives apart from `TandemTestSupport` and its PostgreSQL
/// and Redis dependencies.
public struct TextView: Sendable {
    public var text: String
    public var state: OTClientState
    public let field: String

    public init(text: String, version: Int, field: String = "notes") {
        self.text = text
        self.state = OTClientState(version: version)
        self.field = field
    }

    /// Applies a local edit; returns what to send (nil while an earlier op awaits its ack).
    public mutating func edit(_ op: TextOperation) throws -> OTClientState.Send? {
        text = try op.apply(to: text)
        return try state.applyClient(op)
    }

    /// Feeds the server's messages in arrival order.
    public mutating func receive(_ messages: [ServerMessage]) throws {
        for message in messages {
            switch message {
            case .ack(let ack):
                _ = try state.serverAck(version: ack.version)
            case .modelChanged(let change) where change.field == field:
                guard case .op(let json) = change.edit else { continue }
                let local = try state.applyServer(try TextOperation(json: json), version: change.version)
                text = try local.apply(to: text)
            case .modelChanged(let change):
                state.advance(toVersion: change.version)
            default:
                continue
            }
        }
    }
}
