import Testing
import TandemCore

struct JSONParserTests {
    private func failure(_ text: String, limits: JSONParser.Limits = JSONParser.Limits()) -> JSONParseError? {
        do {
            _ = try JSONParser(limits: limits).parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsCarryTheByteOffsetOfTheOffendingByte() {
        #expect(failure("[1,]")?.offset == 3)
        #expect(failure("{\"a\":1,\"b\" 2}")?.offset == 11)
        #expect(failure("[\"ok\", \"\\uD800\"]")?.offset == 8)
        #expect(failure("{\"a\":1,\"a\":2}")?.offset == 7)
        #expect(failure("[01]")?.offset == 1)
        #expect(failure("[1] x")?.offset == 4)
    }

    @Test func errorMessagesSayWhatWasExpectedAndFound() throws {
        let error = try #require(failure("[1;2]"))
        #expect(error.message == "expected ',' or ']' in an array, found ';'")
        #expect(error.description == "expected ',' or ']' in an array, found ';' at byte 2")
        #expect(failure("{\"x\":1,\"x\":2}")?.message == "duplicate member name \"x\"")
        #expect(failure("[\"\\uDE00\"]")?.message == "lone low surrogate \\uDE00 in a string")
        #expect(failure("[\u{1}]")?.message == "expected a value, found byte 0x01")
    }

    /// `parseMembers` (a protocol frame's top level) reads what `parse` reads, in document order, and refuses what
    /// it refuses, with the same error: duplicates in a small object (found by a scan) and a large one (by a set).
    @Test func topLevelMembersAreTheObjectInDocumentOrderWithTheSameErrors() throws {
        let parser = JSONParser()
        let text = #"{"type":"ack","rid":7,"value":{"b":[1,2]},"a\u0062":null}"#
        let members = try #require(try parser.parseMembers(text.utf8))
        #expect(members.pairs.map(\.key) == ["type", "rid", "value", "ab"])
        #expect(members["ab"] == .null && members["rid"] == 7 && members["nope"] == nil)
        #expect(.object(members.dictionary) == (try parser.parse(text)))
        #expect(try parser.parseMembers("[1]".utf8) == nil)
        #expect(try parser.parseMembers(" 3 ".utf8) == nil)
        for count in [2, 16, 17, 40] {
            let keys = (0..<count).map { "\"k\($0)\":\($0)" } + ["\"k\(count - 1)\":0"]
            let duplicated = "{" + keys.joined(separator: ",") + "}"
            var thrown: JSONParseError?
            do { _ = try parser.parseMembers(duplicated.utf8) } catch { thrown = error }
            #expect(thrown?.kind == .duplicateKey, "\(count) members")
            #expect(thrown?.offset == failure(duplicated)?.offset, "\(count) members")
        }
        for bad in ["", "{", "{\"a\":1} x", "\u{FEFF}{}", "{\"a\" 1}"] {
            var thrown: JSONParseError?
            do { _ = try parser.parseMembers(bad.utf8) } catch { thrown = error }
            #expect(thrown?.description == failure(bad)?.description, "\(bad)")
        }
    }

    @Test func nestingUpToTheDepthLimitParsesAndOneMoreFails() throws {
        let limits = JSONParser.Limits(depthMax: 10)
        let atLimit = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        _ = try JSONParser(limits: limits).parse(atLimit)
        let overLimit = String(repeating: "{\"a\":", count: 11) + "1" + String(repeating: "}", count: 11)
        let error = try #require(failure(overLimit, limits: limits))
        #expect(error.kind == .tooDeep)
        #expect(error.offset == 50)
    }

    @Test func hugeNestingFailsCleanlyInsteadOfOverflowingTheStack() {
        let text = String(repeating: "[", count: 200_000)
        #expect(failure(text)?.kind == .tooDeep)
    }

    @Test func inputOverTheSizeLimitIsRefusedBeforeParsing() {
        let error = failure("[1,2,3,4]", limits: JSONParser.Limits(bytesMax: 8))
        #expect(error?.kind == .tooLarge)
        #expect(error?.message == "input is 9 bytes, more than the limit of 8")
        #expect(failure("[1,2,3]", limits: JSONParser.Limits(bytesMax: 7)) == nil)
    }

    @Test func nonContiguousCollectionsParseLikeArrays() throws {
        let bytes = Array("{\"k\":[1,\"é\",true]}".utf8)
        let fromArray = try JSONParser().parse(bytes)
        let fromSlice = try JSONParser().parse(bytes.reversed().reversed())
        let fromLazy = try JSONParser().parse(bytes.lazy.map { $0 })
        #expect(fromArray == ["k": [1, "é", true]])
        #expect(fromSlice == fromArray)
        #expect(fromLazy == fromArray)
        #expect(try JSONValue(parsing: "{\"k\":[1,\"é\",true]}") == fromArray)
    }

    @Test func arraySlicesParseFromTheirOwnStart() throws {
        let bytes = Array("xx[1,2]yy".utf8)
        #expect(try JSONParser().parse(bytes[2..<7]) == [1, 2])
    }

    @Test func longIntegersAndDecimalsRoundCorrectly() throws {
        #expect(try JSONValue(parsing: "9007199254740993") == .number(9_007_199_254_740_992))
        #expect(try JSONValue(parsing: "0.1") == .number(0.1))
        #expect(try JSONValue(parsing: "2.2250738585072014e-308") == .number(2.2250738585072014e-308))
        #expect(try JSONValue(parsing: "-999999999999999") == .number(-999_999_999_999_999))
        #expect(try JSONValue(parsing: "0.30000000000000004") == .number(0.1 + 0.2))
    }

    @Test func emojiAndAstralCharactersSurviveEscapedOrRaw() throws {
        let escaped = try JSONValue(parsing: "\"\\uD83D\\uDE00 \\u00E9\"")
        let raw = try JSONValue(parsing: "\"😀 é\"")
        #expect(escaped == "😀 é")
        #expect(raw == escaped)
        #expect(escaped.stringValue?.utf16.count == 4)
    }
}
