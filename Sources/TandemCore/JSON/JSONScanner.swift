/// The byte-level state machine behind `JSONParser`: one pass over a contiguous UTF-8 buffer.
///
/// Every read is guarded by `index < bytes.count`, so no input can read out of bounds, and recursion is
/// bounded by `depthMax`, so no input can exhaust the stack.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let depthMax: Int
    var index = 0
    var depth = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, depthMax: Int) {
        self.bytes = bytes
        self.depthMax = depthMax
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        try checkStart()
        let value = try parseValue()
        try checkEnd()
        return value
    }

    /// Before the top-level value: no byte order mark, and something besides whitespace.
    private mutating func checkStart() throws(JSONParseError) {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw failure(.unexpectedByte, "a byte order mark is not allowed", at: 0)
        }
        skipWhitespace()
        if index == bytes.count {
            throw failure(.unexpectedEnd, "expected a JSON value, found \(bytes.isEmpty ? "empty input" : "only whitespace")")
        }
    }

    /// After the top-level value: only whitespace.
    private mutating func checkEnd() throws(JSONParseError) {
        skipWhitespace()
        if index < bytes.count {
            throw failure(.trailingData, "unexpected \(describeByte(at: index)) after the top-level value")
        }
        precondition(depth == 0, "JSONScanner depth must unwind to zero")
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else {
            throw failure(.unexpectedEnd, "expected a value, found end of input")
        }
        switch bytes[index] {
        case JSONByte.openBrace:
            return try parseObject()
        case JSONByte.openBracket:
            return try parseArray()
        case JSONByte.quote:
            index += 1
            return .string(try parseString())
        case JSONByte.lowerT:
            try expectLiteral("true")
            return .bool(true)
        case JSONByte.lowerF:
            try expectLiteral("false")
            return .bool(false)
        case JSONByte.lowerN:
            try expectLiteral("null")
            return .null
        case JSONByte.minus, JSONByte.zero...JSONByte.nine:
            return .number(try parseNumber())
        default:
            throw failure(.unexpectedByte, "expected a value, found \(describeByte(at: index))")
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == JSONByte.closeBracket {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else {
                throw failure(.unexpectedEnd, "expected ',' or ']' in an array, found end of input")
            }
            let byte = bytes[index]
            if byte == JSONByte.comma {
                index += 1
            } else if byte == JSONByte.closeBracket {
                index += 1
                depth -= 1
                return .array(elements)
            } else {
                throw failure(.unexpectedByte, "expected ',' or ']' in an array, found \(describeByte(at: index))")
            }
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        // Room for a small object up front: growing from empty rehashes at each doubling (a frame's nested `user`
        // object paid two allocations and a rehash for its two members).
        var members: [String: JSONValue] = Dictionary(minimumCapacity: 4)
        try parseMembers { (key, value, keyOffset) throws(JSONParseError) in
            if members.updateValue(value, forKey: key) != nil { throw Self.duplicate(key, at: keyOffset) }
        }
        return .object(members)
    }

    /// The top-level object's members in document order, without building a dictionary (no key is hashed unless
    /// the object is large): nil when the document is valid JSON but not an object. Errors as `parseDocument`.
    mutating func parseDocumentMembers() throws(JSONParseError) -> JSONMembers? {
        try checkStart()
        guard bytes[index] == JSONByte.openBrace else {
            _ = try parseValue()
            try checkEnd()
            return nil
        }
        var members = JSONMembers()
        members.pairs.reserveCapacity(JSONMembers.scanLimit)  // a frame's members, in one allocation
        var seen: Set<String>?
        try parseMembers { (key, value, keyOffset) throws(JSONParseError) in
            // Duplicates by a scan while the object is small, by a set past that (a frame of many members).
            if seen == nil, members.pairs.count == JSONMembers.scanLimit {
                seen = Set(members.pairs.map(\.key))
            }
            if seen != nil {
                if !seen!.insert(key).inserted { throw Self.duplicate(key, at: keyOffset) }
            } else if members[key] != nil {
                throw Self.duplicate(key, at: keyOffset)
            }
            members.pairs.append((key, value))
        }
        try checkEnd()
        return members
    }

    /// The members of the object at `index` (its `{`), each handed to `add` with its key's offset, in order.
    private mutating func parseMembers(
        _ add: (String, JSONValue, Int) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enterContainer()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == JSONByte.closeBrace {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            guard index < bytes.count else {
                throw failure(.unexpectedEnd, "expected a member name in an object, found end of input")
            }
            guard bytes[index] == JSONByte.quote else {
                throw failure(.unexpectedByte, "expected a quoted member name, found \(describeByte(at: index))")
            }
            index += 1
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count else {
                throw failure(.unexpectedEnd, "expected ':' after member name, found end of input")
            }
            guard bytes[index] == JSONByte.colon else {
                throw failure(.unexpectedByte, "expected ':' after member name, found \(describeByte(at: index))")
            }
            index += 1
            skipWhitespace()
            try add(key, try parseValue(), keyOffset)
            skipWhitespace()
            guard index < bytes.count else {
                throw failure(.unexpectedEnd, "expected ',' or '}' in an object, found end of input")
            }
            let byte = bytes[index]
            if byte == JSONByte.comma {
                index += 1
            } else if byte == JSONByte.closeBrace {
                index += 1
                depth -= 1
                return
            } else {
                throw failure(.unexpectedByte, "expected ',' or '}' in an object, found \(describeByte(at: index))")
            }
        }
    }

    private static func duplicate(_ key: String, at offset: Int) -> JSONParseError {
        JSONParseError(kind: .duplicateKey, offset: offset, message: "duplicate member name \"\(abbreviate(key))\"")
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > depthMax {
            throw failure(.tooDeep, "arrays and objects nested deeper than the limit of \(depthMax)")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = index
        var matched = true
        literal.withUTF8Buffer { expected in
            for (offset, byte) in expected.enumerated() {
                guard start + offset < bytes.count, bytes[start + offset] == byte else {
                    matched = false
                    return
                }
            }
        }
        guard matched else {
            throw failure(.unexpectedByte, "invalid literal, expected '\(literal)'", at: start)
        }
        index = start + literal.utf8CodeUnitCount
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case JSONByte.space, JSONByte.tab, JSONByte.lineFeed, JSONByte.carriageReturn: index += 1
            default: return
            }
        }
    }

    func failure(_ kind: JSONParseError.Kind, _ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(kind: kind, offset: offset ?? index, message: message)
    }

    /// A short human description of the byte at `offset`: `'x'` for printable ASCII, `byte 0xNN` otherwise.
    func describeByte(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x20 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x\(byte < 0x10 ? "0" : "")\(hex)"
    }

    static func abbreviate(_ text: String, limit: Int = 40) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}

/// The ASCII bytes the JSON grammar names.
enum JSONByte {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let upperE: UInt8 = 0x45
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowerB: UInt8 = 0x62
    static let lowerE: UInt8 = 0x65
    static let lowerF: UInt8 = 0x66
    static let lowerN: UInt8 = 0x6E
    static let lowerR: UInt8 = 0x72
    static let lowerT: UInt8 = 0x74
    static let lowerU: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
}
