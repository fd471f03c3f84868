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
            return RFC3339Shape.isValid(s) ? nil : "must be an RFC 3339 date-time like 2026-01-01T12:00:00Z"
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

/// A shape check for RFC 3339 date-times (`2026-01-01T12:00:00Z`, fractions and offsets allowed).
enum RFC3339Shape {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return false }
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { bytes[$0] >= 48 && bytes[$0] <= 57 } }
        guard digits(0..<4), bytes[4] == 45, digits(5..<7), bytes[7] == 45, digits(8..<10),
              bytes[10] == 84 || bytes[10] == 116 || bytes[10] == 32,
              digits(11..<13), bytes[13] == 58, digits(14..<16), bytes[16] == 58, digits(17..<19) else { return false }
        var index = 19
        if bytes[index] == 46 {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            if index == start { return false }
        }
        guard index < bytes.count else { return false }
        if bytes[index] == 90 || bytes[index] == 122 { return index == bytes.count - 1 }
        guard bytes[index] == 43 || bytes[index] == 45, bytes.count - index == 6 else { return false }
        return digits(index + 1..<index + 3) && bytes[index + 3] == 58 && digits(index + 4..<index + 6)
    }
}
