import Testing
import TandemCore
import TandemRuntime

struct JSONWriterTests {
    private func text(_ value: JSONValue) throws -> String { try JSONWriter().string(value) }

    @Test func objectKeysAreSortedByTheirUTF8Bytes() throws {
        let value: JSONValue = ["b": 1, "a": ["z": true, "y": nil], "B": "x", "é": 2, "aa": []]
        #expect(try text(value) == #"{"B":"x","a":{"y":null,"z":true},"aa":[],"b":1,"é":2}"#)
    }

    @Test func sameValueAlwaysGivesSameBytes() throws {
        var members: [String: JSONValue] = [:]
        for index in 0..<200 { members["key\(index)"] = .int(index) }
        let first = try JSONWriter().bytes(.object(members))
        var rebuilt: [String: JSONValue] = [:]
        for index in (0..<200).reversed() { rebuilt["key\(index)"] = .int(index) }
        #expect(try JSONWriter().bytes(.object(rebuilt)) == first)
    }

    @Test(arguments: [
        (JSONValue.number(1.0), "1"), (.number(-0.0), "0"), (.number(-17), "-17"),
        (.number(9_007_199_254_740_992), "9007199254740992"), (.number(-9_007_199_254_740_992), "-9007199254740992"),
        (.number(9_007_199_254_740_994), "9.007199254740994e+15"), (.number(1e21), "1e+21"),
        (.number(0.1), "0.1"), (.number(-1.5), "-1.5"), (.number(1e-7), "1e-7"), (.number(1.5e-5), "1.5e-5"),
        (.number(123.456), "123.456"), (.number(.leastNonzeroMagnitude), "5e-324"),
        (.number(1.7976931348623157e308), "1.7976931348623157e+308"), (.number(0.1 + 0.2), "0.30000000000000004"),
    ])
    func numbersUseIntegerOrShortestRoundTripForm(_ value: JSONValue, _ expected: String) throws {
        #expect(try text(value) == expected)
        #expect(try JSONValue(parsing: expected) == value)
    }

    @Test func nonFiniteNumbersAreRejectedWithTheirPath() throws {
        #expect(throws: JSONWriteError(path: "$.a[1]", message: "non-finite number nan has no JSON form")) {
            try JSONWriter().string(["a": [1, .number(.nan)]])
        }
        #expect(throws: JSONWriteError.self) { try JSONWriter().string(.number(.infinity)) }
        #expect(try JSONWriter(nonFiniteNumberPolicy: .writeNull).string([.number(-.infinity)]) == "[null]")
    }

    @Test func stringsEscapeQuotesBackslashesAndControlCharactersOnly() throws {
        let value: JSONValue = .string("a\"b\\c\n\t\u{0}\u{1F}\u{7F}/é😀\u{2028}")
        #expect(try text(value) == "\"a\\\"b\\\\c\\u000a\\u0009\\u0000\\u001f\u{7F}/é😀\u{2028}\"")
        #expect(try JSONValue(parsing: text(value)) == value)
    }

    @Test func descriptionIsTheCompactSortedText() {
        let value: JSONValue = ["type": "ping", "rid": 7, "list": [1.5, "x", false, nil]]
        #expect(value.description == #"{"list":[1.5,"x",false,null],"rid":7,"type":"ping"}"#)
        #expect(JSONValue.number(.nan).description == "null")
    }

    @Test func randomValuesRoundTripThroughWriterAndParser() throws {
        var generator = SplitMix64(seed: 0x5EED_0001)
        for _ in 0..<500 {
            let value = randomValue(depth: 0, using: &generator)
            let bytes = try JSONWriter().bytes(value)
            let parsed = try JSONParser().parse(bytes)
            #expect(parsed == value)
            #expect(try JSONWriter().bytes(parsed) == bytes)
        }
    }

    private func randomValue(depth: Int, using generator: inout SplitMix64) -> JSONValue {
        let pick = Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &generator)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int.random(in: -1_000_000...1_000_000, using: &generator))
        case 3:
            let bits = UInt64.random(in: 0...UInt64.max, using: &generator)
            let number = Double(bitPattern: bits)
            return .number(number.isFinite ? number : 0.5)
        case 4:
            let scalars = (0..<Int.random(in: 0..<8, using: &generator)).map { _ in
                Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &generator)]
            }
            return .string(String(String.UnicodeScalarView(scalars)))
        case 5:
            return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in
                randomValue(depth: depth + 1, using: &generator)
            })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0..<5, using: &generator) {
                members["k\(index)\(Self.alphabet[index % Self.alphabet.count])"] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }

    private static let alphabet: [Unicode.Scalar] = ["a", "Z", "\"", "\\", "\n", "\u{0}", "\u{1F}", "é", "€", "😀", "\u{FFFF}", " "]
}
