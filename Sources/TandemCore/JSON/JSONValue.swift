/// A JSON value as the protocol sees it: the one dynamic value type of Tandem.
///
/// Field values, protocol payloads, conflict records and event-log entries are all `JSONValue`s.
/// Objects are unordered (`[String: JSONValue]`); every place that iterates one for an observable
/// purpose (serialising, merging, hashing into a trace) walks `sortedKeys`, never the dictionary's
/// own order, which Swift seeds per process.
///
/// Numbers are IEEE doubles, exactly as JavaScript sees them: integers are exact up to 2^53.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    public static func int(_ value: Int) -> JSONValue { .number(Double(value)) }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    public var numberValue: Double? { if case .number(let n) = self { return n } else { return nil } }

    /// The number as an `Int`, when it is one exactly (no fraction, within ±2^53).
    public var intValue: Int? {
        guard case .number(let n) = self, n.isFinite, n.rounded(.towardZero) == n,
              abs(n) <= 9_007_199_254_740_992 else { return nil }
        return Int(n)
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }

    /// Member lookup on an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }

    /// An object's keys in sorted order: the only order in which observable code may walk an object.
    public var sortedKeys: [String] {
        if case .object(let o) = self { return o.keys.sorted() } else { return [] }
    }

    /// The JSON type name used in error messages ("object", "array", "string", …).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object: [String: JSONValue] = [:]
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}
