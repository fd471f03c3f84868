import TandemCore

/// A client-side text field as an editor would hold it: the text and the ot.js client state machine.
struct TextView {
    var text: String
    var state: OTClientState
    let field: String

    init(text: String, version: Int, field: String = "notes") {
        self.text = text
        self.state = OTClientState(version: version)
        self.field = field
    }

    /// Applies a local edit; returns what to send (nil while an earlier op awaits its ack).
    mutating func edit(_ op: TextOperation) throws -> OTClientState.Send? {
        text = try op.apply(to: text)
        return try state.applyClient(op)
    }

    /// Feeds the server's frames in arrival order.
    mutating func receive(_ messages: [ServerMessage]) throws {
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
