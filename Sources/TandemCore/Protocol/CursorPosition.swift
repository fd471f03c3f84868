/// A caret or selection inside a text field (`{index, end}`), in UTF-16 code units like ot.js.
///
/// `index == end` is a caret; `end` may be less than `index` for a selection made backwards.
public struct CursorPosition: Sendable, Hashable {
    public var index: Int
    public var end: Int

    public init(index: Int, end: Int) {
        self.index = index
        self.end = end
    }
}
