/// `cursor_moved`: another participant's caret entered, moved in, or left a field.
public struct CursorMoved: Sendable, Hashable {
    public var sessionID: String
    public var user: UserRef
    public var field: String
    public var state: CursorState
    public var position: CursorPosition?

    public init(sessionID: String, user: UserRef, field: String, state: CursorState, position: CursorPosition? = nil) {
        self.sessionID = sessionID
        self.user = user
        self.field = field
        self.state = state
        self.position = position
    }
}
