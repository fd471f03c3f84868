extension JSONScanner {
    /// The most decimal digits whose integer value a `Double` holds exactly and an `Int` cannot overflow.
    static let fastIntegerDigitsMax = 15

    /// Parses a number per RFC 8259 §6; `index` is at its first byte (`-` or a digit).
    ///
    /// Short integers are computed exactly in place; everything else is validated here and converted by the
    /// standard library's correctly rounded decimal parser.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        let isNegative = bytes[index] == JSONByte.minus
        if isNegative { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw failure(.invalidNumber, "expected a digit after '-', found \(describeByte(at: index))")
        }
        let integerStart = index
        if bytes[index] == JSONByte.zero {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw failure(.invalidNumber, "a number may not have leading zeros", at: integerStart)
            }
        } else {
            skipDigits()
        }
        let integerEnd = index
        var isInteger = true
        if index < bytes.count, bytes[index] == JSONByte.period {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw failure(.invalidNumber, "expected a digit after '.', found \(describeByte(at: index))")
            }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == JSONByte.lowerE || bytes[index] == JSONByte.upperE {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == JSONByte.plus || bytes[index] == JSONByte.minus { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw failure(.invalidNumber, "expected a digit in the exponent, found \(describeByte(at: index))")
            }
            skipDigits()
        }
        if isInteger && integerEnd - integerStart <= Self.fastIntegerDigitsMax {
            var magnitude = 0
            for offset in integerStart..<integerEnd {
                magnitude = magnitude * 10 + Int(bytes[offset] &- JSONByte.zero)
            }
            return isNegative ? -Double(magnitude) : Double(magnitude)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw failure(
                .numberOutOfRange, "number \(Self.abbreviate(text)) is too large for a double", at: start
            )
        }
        return value
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= JSONByte.zero && byte <= JSONByte.nine
    }
}
