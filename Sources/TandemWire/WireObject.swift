import TandemCore

/// A JSON object being decoded into a protocol payload: typed member reads whose errors name the key.
///
/// Reads treat a missing member and (for optional members) a `null` one alike; every failure is a
/// `WireError` of `invalid_message` naming the full key path (`position.index`, `participants[2].color`)
/// and carrying the frame's `rid`.
struct WireObject {
    /// A frame's own members come in document order (looked up by a short scan); a nested object's are the
    /// parsed dictionary.
    enum Members {
        case ordered(JSONMembers)
        case dictionary([String: JSONValue])
    }

    let storage: Members
    /// The key path of this object inside the frame, ending in `.` (empty for the frame itself).
    let path: String
    let rid: RequestID?

    init(members: [String: JSONValue], path: String, rid: RequestID?) {
        self.init(storage: .dictionary(members), path: path, rid: rid)
    }

    init(storage: Members, path: String, rid: RequestID?) {
        self.storage = storage
        self.path = path
        self.rid = rid
    }

    /// The member named `key`; `null` is returned as `.null`, not `nil`.
    subscript(key: String) -> JSONValue? {
        switch storage {
        case .ordered(let members): return members[key]
        case .dictionary(let members): return members[key]
        }
    }

    var members: [String: JSONValue] {
        switch storage {
        case .ordered(let members): return members.dictionary
        case .dictionary(let members): return members
        }
    }

    func failure(_ message: String, code: ErrorCode = .invalidMessage) -> WireError {
        WireError(code: code, message: message, rid: rid)
    }

    func keyPath(_ key: String) -> String { "\"\(path)\(key)\"" }

    func wrongType(_ key: String, expected: String, got value: JSONValue) -> WireError {
        failure("field \(keyPath(key)) must be \(expected), got \(Self.describe(value))")
    }

    /// A member that must be present; `null` counts as present.
    func required(_ key: String) throws(WireError) -> JSONValue {
        guard let value = self[key] else { throw failure("missing field \(keyPath(key))") }
        return value
    }

    /// A member that may be absent; `null` is returned as `.null`, not `nil`.
    func optional(_ key: String) -> JSONValue? { self[key] }

    func string(_ key: String) throws(WireError) -> String {
        let value = try required(key)
        guard case .string(let text) = value else { throw wrongType(key, expected: "a string", got: value) }
        return text
    }

    func optionalString(_ key: String) throws(WireError) -> String? {
        guard let value = self[key], value != .null else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, expected: "a string", got: value) }
        return text
    }

    func integer(_ key: String) throws(WireError) -> Int {
        let value = try required(key)
        guard let number = value.intValue else { throw wrongType(key, expected: "an integer", got: value) }
        return number
    }

    func nonNegativeInteger(_ key: String) throws(WireError) -> Int {
        let value = try required(key)
        guard let number = value.intValue, number >= 0 else {
            throw wrongType(key, expected: "a non-negative integer", got: value)
        }
        return number
    }

    func bool(_ key: String) throws(WireError) -> Bool {
        let value = try required(key)
        guard case .bool(let flag) = value else { throw wrongType(key, expected: "a boolean", got: value) }
        return flag
    }

    func optionalBool(_ key: String) throws(WireError) -> Bool? {
        guard let value = self[key], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw wrongType(key, expected: "a boolean", got: value) }
        return flag
    }

    /// An RFC 3339 timestamp, as milliseconds since the Unix epoch.
    func timestamp(_ key: String) throws(WireError) -> Int64 {
        let value = try required(key)
        guard case .string(let text) = value, let milliseconds = RFC3339.milliseconds(from: text) else {
            throw wrongType(key, expected: "an RFC 3339 timestamp", got: value)
        }
        return milliseconds
    }

    func enumeration<Choice>(_ key: String, as type: Choice.Type) throws(WireError) -> Choice
    where Choice: RawRepresentable & CaseIterable, Choice.RawValue == String {
        let value = try required(key)
        guard case .string(let text) = value, let choice = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw wrongType(key, expected: "one of \(allowed)", got: value)
        }
        return choice
    }

    func optionalEnumeration<Choice>(_ key: String, as type: Choice.Type) throws(WireError) -> Choice?
    where Choice: RawRepresentable & CaseIterable, Choice.RawValue == String {
        guard let value = self[key], value != .null else { return nil }
        return try enumeration(key, as: type)
    }

    func object(_ key: String) throws(WireError) -> WireObject {
        let value = try required(key)
        guard case .object(let nested) = value else { throw wrongType(key, expected: "an object", got: value) }
        return WireObject(members: nested, path: path + key + ".", rid: rid)
    }

    func optionalObject(_ key: String) throws(WireError) -> WireObject? {
        guard let value = self[key], value != .null else { return nil }
        guard case .object(let nested) = value else { throw wrongType(key, expected: "an object", got: value) }
        return WireObject(members: nested, path: path + key + ".", rid: rid)
    }

    /// A required JSON object member returned as is (`fields`).
    func dictionary(_ key: String) throws(WireError) -> [String: JSONValue] {
        try object(key).members
    }

    /// A required array whose every element is an object, each decoded by `decode`.
    func objects<Element>(
        _ key: String, _ decode: (WireObject) throws(WireError) -> Element
    ) throws(WireError) -> [Element] {
        let value = try required(key)
        guard case .array(let elements) = value else { throw wrongType(key, expected: "an array", got: value) }
        var decoded: [Element] = []
        decoded.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            let elementPath = "\(key)[\(position)]"
            guard case .object(let nested) = element else {
                throw wrongType(elementPath, expected: "an object", got: element)
            }
            decoded.append(try decode(WireObject(members: nested, path: path + elementPath + ".", rid: rid)))
        }
        return decoded
    }

    func recordID(_ key: String) throws(WireError) -> RecordID {
        let value = try required(key)
        if case .string(let text) = value { return .string(text) }
        if let number = value.intValue { return .integer(number) }
        throw wrongType(key, expected: "a string or an integer", got: value)
    }

    /// How a value is named in an error: its JSON type, with the value itself for short scalars.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .number(let number): return "number \(JSONValue.number(number).description)"
        case .string(let text) where text.utf8.count <= 40: return "string \(JSONValue.string(text).description)"
        case .bool(let flag): return "boolean \(flag)"
        default: return value.typeName
        }
    }
}
