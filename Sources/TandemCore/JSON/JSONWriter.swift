/// A writer of `JSONValue`s as compact, deterministic JSON text (UTF-8).
///
/// The same value always gives the same bytes: no whitespace, object members sorted by the UTF-8 bytes of
/// their names, integral numbers within ±2^53 without a fraction (`3`, not `3.0`), other numbers as the
/// shortest decimal that reads back as the same double (`0.1`, `1e-7`, `1.5e+300`), strings with `"`, `\`
/// and control characters escaped (`\u00XX`, lowercase hex) and everything else, non-ASCII included, raw.
///
/// Non-finite numbers have no JSON spelling: the default policy rejects them with a `JSONWriteError`;
/// `.writeNull` writes `null`, as JavaScript's `JSON.stringify` does.
public struct JSONWriter: Sendable {
    /// What to do with NaN and ±infinity.
    public enum NonFiniteNumberPolicy: Sendable, Hashable {
        case reject
        case writeNull
    }

    public var nonFiniteNumberPolicy: NonFiniteNumberPolicy

    public init(nonFiniteNumberPolicy: NonFiniteNumberPolicy = .reject) {
        self.nonFiniteNumberPolicy = nonFiniteNumberPolicy
    }

    /// The largest magnitude printed as an integer: beyond 2^53 doubles are no longer all integers.
    public static let exactIntegerMagnitudeMax: Double = 9_007_199_254_740_992

    public func bytes(_ value: JSONValue) throws(JSONWriteError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        try write(value, into: &output)
        return output
    }

    public func string(_ value: JSONValue) throws(JSONWriteError) -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }

    /// Appends the JSON text of `value` to `output`; on error `output` holds a partial write.
    public func write(_ value: JSONValue, into output: inout [UInt8]) throws(JSONWriteError) {
        switch value {
        case .null: Self.appendLiteral("null", into: &output)
        case .bool(let flag): Self.appendLiteral(flag ? "true" : "false", into: &output)
        case .number(let number):
            if number.isFinite {
                Self.appendNumber(number, into: &output)
            } else if nonFiniteNumberPolicy == .writeNull {
                Self.appendLiteral("null", into: &output)
            } else {
                throw JSONWriteError(path: "$", message: "non-finite number \(number) has no JSON form")
            }
        case .string(let text): Self.appendString(text, into: &output)
        case .array(let elements):
            output.append(JSONByte.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                do throws(JSONWriteError) {
                    try write(element, into: &output)
                } catch {
                    throw error.nested(under: "[\(position)]")
                }
            }
            output.append(JSONByte.closeBracket)
        case .object(let members):
            output.append(JSONByte.openBrace)
            for (position, key) in Self.sortedKeys(members).enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                Self.appendString(key, into: &output)
                output.append(JSONByte.colon)
                do throws(JSONWriteError) {
                    try write(members[key] ?? .null, into: &output)
                } catch {
                    throw error.nested(under: ".\(key)")
                }
            }
            output.append(JSONByte.closeBrace)
        }
    }

    /// Object member names in the writer's order: byte-wise on UTF-8 (which is also code-point order).
    public static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func appendLiteral(_ literal: StaticString, into output: inout [UInt8]) {
        literal.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    /// Writes a finite number: integer digits when exact, else Swift's shortest round-trip form with the
    /// exponent's leading zeros dropped (`1e-05` → `1e-5`).
    static func appendNumber(_ number: Double, into output: inout [UInt8]) {
        if number.rounded(.towardZero) == number && number.magnitude <= exactIntegerMagnitudeMax {
            appendInteger(Int64(number), into: &output)
            return
        }
        var droppingExponentZeros = false
        for byte in number.description.utf8 {
            if droppingExponentZeros {
                if byte == JSONByte.plus || byte == JSONByte.minus {
                    output.append(byte)
                    continue
                }
                if byte == JSONByte.zero { continue }
                droppingExponentZeros = false
            }
            output.append(byte)
            if byte == JSONByte.lowerE { droppingExponentZeros = true }
        }
        if droppingExponentZeros { output.append(JSONByte.zero) }
    }

    private static func appendInteger(_ value: Int64, into output: inout [UInt8]) {
        if value < 0 { output.append(JSONByte.minus) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = JSONByte.zero + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for position in stride(from: count - 1, through: 0, by: -1) { output.append(buffer[position]) }
        }
    }

    static func appendString(_ text: String, into output: inout [UInt8]) {
        output.append(JSONByte.quote)
        var copy = text
        copy.withUTF8 { utf8 in
            var runStart = 0
            for position in 0..<utf8.count {
                let byte = utf8[position]
                guard byte < 0x20 || byte == JSONByte.quote || byte == JSONByte.backslash else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
                output.append(JSONByte.backslash)
                if byte < 0x20 {
                    output.append(contentsOf: [JSONByte.lowerU, JSONByte.zero, JSONByte.zero, hexDigit(byte >> 4), hexDigit(byte & 0xF)])
                } else {
                    output.append(byte)
                }
                runStart = position + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        output.append(JSONByte.quote)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? JSONByte.zero + nibble : 0x61 + nibble - 10
    }
}
