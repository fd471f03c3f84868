extension JSONScanner {
    /// Parses a string body; `index` is just past the opening quote and ends just past the closing one.
    ///
    /// Strings without escapes are decoded straight from the input slice; the first backslash switches to
    /// copying into `scratch`.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == JSONByte.quote {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == JSONByte.backslash { return try parseEscapedString(from: start) }
            if byte < 0x20 { throw controlCharacterFailure(byte) }
            if byte < 0x80 { index += 1 } else { try skipMultiByteScalar() }
        }
        throw failure(.unexpectedEnd, "unterminated string starting at byte \(start - 1)")
    }

    private mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == JSONByte.quote {
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == JSONByte.backslash {
                try appendEscape()
            } else if byte < 0x20 {
                throw controlCharacterFailure(byte)
            } else if byte < 0x80 {
                scratch.append(byte)
                index += 1
            } else {
                let scalarStart = index
                try skipMultiByteScalar()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[scalarStart..<index]))
            }
        }
        throw failure(.unexpectedEnd, "unterminated string starting at byte \(start - 1)")
    }

    /// Decodes one escape; `index` is at the backslash.
    private mutating func appendEscape() throws(JSONParseError) {
        let escapeStart = index
        index += 1
        guard index < bytes.count else {
            throw failure(.unexpectedEnd, "unterminated escape in a string")
        }
        let letter = bytes[index]
        index += 1
        switch letter {
        case JSONByte.quote, JSONByte.backslash, JSONByte.slash: scratch.append(letter)
        case JSONByte.lowerB: scratch.append(0x08)
        case JSONByte.lowerF: scratch.append(0x0C)
        case JSONByte.lowerN: scratch.append(0x0A)
        case JSONByte.lowerR: scratch.append(0x0D)
        case JSONByte.lowerT: scratch.append(0x09)
        case JSONByte.lowerU: appendScalar(try readUnicodeEscape(escapeStart: escapeStart))
        default:
            throw failure(.invalidEscape, "invalid escape \\\(describeByte(at: index - 1)) in a string", at: escapeStart)
        }
    }

    /// Reads the hex of a `\u` escape (and its low-surrogate partner); `index` is just past the `u`.
    private mutating func readUnicodeEscape(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        let first = try readHex4(escapeStart: escapeStart)
        if (0xDC00...0xDFFF).contains(first) {
            throw failure(.loneSurrogate, "lone low surrogate \\u\(hex4(first)) in a string", at: escapeStart)
        }
        guard (0xD800...0xDBFF).contains(first) else { return first }
        guard index + 1 < bytes.count, bytes[index] == JSONByte.backslash, bytes[index + 1] == JSONByte.lowerU else {
            throw failure(
                .loneSurrogate, "high surrogate \\u\(hex4(first)) is not followed by a low surrogate",
                at: escapeStart
            )
        }
        let secondStart = index
        index += 2
        let second = try readHex4(escapeStart: secondStart)
        guard (0xDC00...0xDFFF).contains(second) else {
            throw failure(
                .loneSurrogate, "high surrogate \\u\(hex4(first)) is followed by \\u\(hex4(second)), not a low surrogate",
                at: escapeStart
            )
        }
        return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
    }

    private mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else {
                throw failure(.unexpectedEnd, "\\u escape needs four hex digits, found end of input", at: escapeStart)
            }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default:
                throw failure(
                    .invalidEscape, "\\u escape needs four hex digits, found \(describeByte(at: index))", at: escapeStart
                )
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func appendScalar(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates one multi-byte UTF-8 scalar at `index` (Unicode Table 3-7) and moves past it.
    private mutating func skipMultiByteScalar() throws(JSONParseError) {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default:
            throw failure(.invalidUTF8, "invalid UTF-8 lead \(describeByte(at: index)) in a string")
        }
        guard index + length <= bytes.count else {
            throw failure(.invalidUTF8, "truncated UTF-8 sequence in a string")
        }
        guard secondRange.contains(bytes[index + 1]) else {
            throw failure(.invalidUTF8, "invalid UTF-8 sequence in a string")
        }
        for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 {
            throw failure(.invalidUTF8, "invalid UTF-8 sequence in a string")
        }
        index += length
    }

    private func controlCharacterFailure(_ byte: UInt8) -> JSONParseError {
        failure(.controlCharacter, "raw control character U+00\(hex2(byte)) in a string; escape it")
    }

    private func hex4(_ value: UInt32) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    private func hex2(_ byte: UInt8) -> String {
        (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }
}
