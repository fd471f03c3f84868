/// `cursor`: a client's caret entering or leaving a field; the others get `cursor_moved`.
public struct CursorUpdate: Sendable, Hashable {
    public var sessionID: String
    public var field: String
    public var state: CursorState
    public var position: CursorPosition?
    public var rid: RequestID?

    public init(
        sessionID: String, field: String, state: CursorState, position: CursorPosition? = nil, rid: RequestID? = nil
    ) {
        self.sessionID = sessionID
        self.field = field
        self.state = state
        self.position = position
        self.rid = rid
    }
}
