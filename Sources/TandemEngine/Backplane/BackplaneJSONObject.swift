import TandemCore

/// A JSON object being decoded into a backplane payload: typed member reads whose errors name the path.
///
/// The backplane's twin of the wire's `WireObject`. Optional members: for plain values, absent and `null`
/// both mean nil; `optionalJSON` alone tells them apart (absent is nil, `null` is `.null`), for payload
/// members such as `resolved_value` whose value may itself be JSON null.
struct BackplaneJSONObject {
    let members: [String: JSONValue]
    /// The path of this object, `$` for the envelope itself.
    let path: String

    init(_ value: JSONValue, path: String) throws(BackplaneCodingError) {
        guard case .object(let members) = value else {
            throw BackplaneCodingError(
                code: .wrongType,
                path: path,
                message: "expected an object, got \(value.typeName)"
            )
        }
        self.members = members
        self.path = path
    }

    func memberPath(_ key: String) -> String { "\(path).\(key)" }

    func wrongType(_ key: String, expected: String, got value: JSONValue) -> BackplaneCodingError {
        BackplaneCodingError(
            code: .wrongType,
            path: memberPath(key),
            message: "expected \(expected), got \(value.typeName)"
        )
    }

    func required(_ key: String) throws(BackplaneCodingError) -> JSONValue {
        guard let value = members[key] else {
            throw BackplaneCodingError(code: .missingField, path: memberPath(key), message: "missing member \"\(key)\"")
        }
        return value
    }

    /// A member whose absence is nil and whose `null` is JSON null.
    func optionalJSON(_ key: String) -> JSONValue? { members[key] }

    func string(_ key: String) throws(BackplaneCodingError) -> String {
        let value = try required(key)
        guard case .string(let text) = value else { throw wrongType(key, expected: "a string", got: value) }
        return text
    }

    func optionalString(_ key: String) throws(BackplaneCodingError) -> String? {
        guard let value = members[key], value != .null else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, expected: "a string", got: value) }
        return text
    }

    func optionalBool(_ key: String) throws(BackplaneCodingError) -> Bool? {
        guard let value = members[key], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw wrongType(key, expected: "true or false", got: value) }
        return flag
    }

    func int(_ key: String) throws(BackplaneCodingError) -> Int {
        let value = try required(key)
        guard let number = value.intValue else { throw wrongType(key, expected: "an exact integer", got: value) }
        return number
    }

    func optionalInt(_ key: String) throws(BackplaneCodingError) -> Int? {
        guard let value = members[key], value != .null else { return nil }
        guard let number = value.intValue else { throw wrongType(key, expected: "an exact integer", got: value) }
        return number
    }

    func int64(_ key: String) throws(BackplaneCodingError) -> Int64 { Int64(try int(key)) }

    func optionalInt64(_ key: String) throws(BackplaneCodingError) -> Int64? { try optionalInt(key).map { Int64($0) } }

    func enumeration<Choice>(_ key: String, as type: Choice.Type) throws(BackplaneCodingError) -> Choice
    where Choice: RawRepresentable & CaseIterable, Choice.RawValue == String {
        try enumeration(key, as: type, allowed: Choice.allCases.map(\.rawValue))
    }

    /// An enum member of a type that is not `CaseIterable`; `allowed` lists its raw values for the message.
    func enumeration<Choice>(
        _ key: String,
        as type: Choice.Type,
        allowed: [String]
    ) throws(BackplaneCodingError) -> Choice where Choice: RawRepresentable, Choice.RawValue == String {
        let text = try string(key)
        guard let choice = Choice(rawValue: text) else {
            let list = allowed.map { "\"\($0)\"" }.joined(separator: ", ")
            throw BackplaneCodingError(
                code: .invalidValue,
                path: memberPath(key),
                message: "\"\(text)\" is not one of \(list)"
            )
        }
        return choice
    }

    func optionalEnumeration<Choice>(_ key: String, as type: Choice.Type) throws(BackplaneCodingError) -> Choice?
    where Choice: RawRepresentable & CaseIterable, Choice.RawValue == String {
        guard let value = members[key], value != .null else { return nil }
        return try enumeration(key, as: type)
    }

    func object(_ key: String) throws(BackplaneCodingError) -> BackplaneJSONObject {
        try BackplaneJSONObject(try required(key), path: memberPath(key))
    }

    func optionalObject(_ key: String) throws(BackplaneCodingError) -> BackplaneJSONObject? {
        guard let value = members[key], value != .null else { return nil }
        return try BackplaneJSONObject(value, path: memberPath(key))
    }

    func array(_ key: String) throws(BackplaneCodingError) -> [JSONValue] {
        let value = try required(key)
        guard case .array(let elements) = value else { throw wrongType(key, expected: "an array", got: value) }
        return elements
    }

    /// A required array whose every element is an object, each decoded by `decode`.
    func objects<Element>(
        _ key: String,
        _ decode: (BackplaneJSONObject) throws(BackplaneCodingError) -> Element
    ) throws(BackplaneCodingError) -> [Element] {
        var decoded: [Element] = []
        for (position, element) in try array(key).enumerated() {
            decoded.append(try decode(try BackplaneJSONObject(element, path: "\(memberPath(key))[\(position)]")))
        }
        return decoded
    }
}
