/// The error for a value that is not a valid `list` field value: a JSON array of objects with unique ids.
///
/// Thrown by `ListMerge.validate(_:)` and `ListMerge.merge(base:local:remote:onConflict:)`. The message
/// names the offending item's index (and, from a merge, which input was wrong), so it can go to the
/// sender unchanged as an `invalid_message` error.
public struct ListMergeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the value.
    public enum Code: String, Sendable, Hashable {
        /// The value is not a JSON array.
        case notAnArray = "not_an_array"
        /// An item is not a JSON object.
        case itemNotAnObject = "item_not_an_object"
        /// An item has no `"id"` member.
        case missingID = "missing_id"
        /// An item's `"id"` is neither a string nor an integer number.
        case invalidID = "invalid_id"
        /// Two items share one id.
        case duplicateID = "duplicate_id"
    }

    public var code: Code
    /// The index of the offending item; `nil` when the value is not an array at all.
    public var index: Int?
    /// A sentence for people, naming the index and, from a merge, the input (`base`, `local`, `remote`).
    public var message: String

    public init(code: Code, index: Int?, message: String) {
        self.code = code
        self.index = index
        self.message = message
    }

    public var description: String { message }
}
