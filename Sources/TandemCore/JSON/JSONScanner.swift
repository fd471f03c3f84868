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
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw failure(.unexpectedByte, "a byte order mark is not allowed", at: 0)
        }
        skipWhitespace()
        if index == bytes.count {
            throw failure(.unexpectedEnd, "expected a JSON value, found \(bytes.isEmpty ? "empty input" : "only whitespace")")
        }
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw failure(.trailingData, "unexpected \(describeByte(at: index)) after the top-level value")
        }
        precondition(depth == 0, "JSONScanner depth must unwind to zero")
        return value
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
        try enterContainer()
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == JSONByte.closeBrace {
            index += 1
            depth -= 1
            return .object(members)
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
            let value = try parseValue()
            if members.updateValue(value, forKey: key) != nil {
                throw failure(.duplicateKey, "duplicate member name \"\(Self.abbreviate(key))\"", at: keyOffset)
            }
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
                return .object(members)
            } else {
                throw failure(.unexpectedByte, "expected ',' or '}' in an object, found \(describeByte(at: index))")
            }
        }
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
