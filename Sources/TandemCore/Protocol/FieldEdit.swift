/// The body of a change to one field: exactly one of an ot.js text `op` or a whole new `value`.
///
/// On the wire the case is the member name (`"op": [...]` or `"value": ...`); a frame with both or neither
/// is `invalid_message`, and an `op` that is not a JSON array is `invalid_op`. The op stays a `JSONValue`
/// here; the OT module turns it into a `TextOperation`.
public enum FieldEdit: Sendable, Hashable {
    /// An ot.js `TextOperation` as JSON: positive int = retain, string = insert, negative int = delete.
    case op(JSONValue)
    /// The field's new whole value.
    case value(JSONValue)
}
