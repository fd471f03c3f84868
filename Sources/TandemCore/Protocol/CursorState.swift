/// Whether a cursor event enters (`focus`) or leaves (`blur`) a field; raw values are the wire strings.
public enum CursorState: String, Sendable, Hashable, CaseIterable {
    case focus
    case blur
}
