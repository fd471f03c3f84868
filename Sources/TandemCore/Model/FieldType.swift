/// The type of a record field, which decides how its values are validated and how concurrent changes merge.
///
/// `text` merges by operational transform, `json` by a three-way merge per key path, `list` by item id;
/// the scalar types (`string`, `number`, `bool`, `datetime`) are compared whole and fall back on the
/// field's `ConflictPolicy` when two changes race.
public enum FieldType: String, Sendable, Hashable, CaseIterable {
    case text
    case string
    case number
    case bool
    case datetime
    case json
    case list

    /// The value a field of this type holds before anyone has written it.
    public var defaultValue: JSONValue {
        switch self {
        case .text, .string: return .string("")
        case .number: return .number(0)
        case .bool: return .bool(false)
        case .datetime, .json: return .null
        case .list: return .array([])
        }
    }

    /// Whether concurrent changes to this type are merged (rather than compared whole).
    public var merges: Bool {
        switch self {
        case .text, .json, .list: return true
        case .string, .number, .bool, .datetime: return false
        }
    }

    /// Checks that `value` is a valid value of this type; the error message names the expected shape.
    public func validate(_ value: JSONValue) -> String? {
        switch (self, value) {
        case (.text, .string), (.string, .string), (.bool, .bool), (.json, _):
            return nil
        case (.string, .null), (.number, .null), (.bool, .null), (.datetime, .null):
            return nil
        case (.number, .number(let n)):
            return n.isFinite ? nil : "must be a finite number"
        case (.datetime, .string(let s)):
            // The protocol's one reader of date-times: a value is valid exactly when it names a real instant.
            return RFC3339.milliseconds(from: s) != nil ? nil
                : "must be an RFC 3339 date-time like 2026-01-01T12:00:00Z (a real date and time)"
        case (.list, .array(let items)):
            return Self.validateList(items)
        default:
            return "must be \(expectedShape), got \(value.typeName)"
        }
    }

    private var expectedShape: String {
        switch self {
        case .text, .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .datetime: return "an RFC 3339 date-time string"
        case .json: return "any JSON value"
        case .list: return "an array of objects with unique \"id\" members"
        }
    }

    private static func validateList(_ items: [JSONValue]) -> String? {
        var seen = Set<JSONValue>()
        for (index, item) in items.enumerated() {
            guard case .object(let object) = item, let id = object["id"] else {
                return "item \(index) must be an object with an \"id\" member"
            }
            switch id {
            case .string, .number: break
            default: return "item \(index) has an \"id\" that is not a string or number"
            }
            if !seen.insert(id).inserted { return "item \(index) repeats id \(id)" }
        }
        return nil
    }
}
