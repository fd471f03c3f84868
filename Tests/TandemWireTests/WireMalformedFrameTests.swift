import Testing
import TandemCore
import TandemWire

/// Bad client frames: each must fail with the exact error code, a message naming what was wrong, and the
/// `rid` whenever the frame's `rid` itself was readable.
struct WireMalformedFrameTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let frame: [UInt8]
        let code: ErrorCode
        /// Text the message must contain: the offending key (quoted) or the failure's place.
        let mentions: String
        let rid: RequestID?

        init(_ name: String, _ frame: String, _ code: ErrorCode, _ mentions: String, rid: RequestID? = nil) {
            self.init(name, bytes: Array(frame.utf8), code, mentions, rid: rid)
        }

        init(_ name: String, bytes: [UInt8], _ code: ErrorCode, _ mentions: String, rid: RequestID? = nil) {
            self.name = name
            self.frame = bytes
            self.code = code
            self.mentions = mentions
            self.rid = rid
        }

        var testDescription: String { name }
    }

    static let change = #""type":"field_change","session_id":"s","field":"f""#

    static let cases: [Case] = [
        Case("empty frame", "", .invalidMessage, "empty frame"),
        Case("whitespace only", "  \n", .invalidMessage, "at byte 3"),
        Case("truncated JSON", #"{"type":"ping""#, .invalidMessage, "at byte 14"),
        Case("trailing comma", #"{"type":"ping",}"#, .invalidMessage, "at byte 15"),
        Case("single quotes", "{'type':'ping'}", .invalidMessage, "at byte 1"),
        Case("two objects", #"{"type":"ping"}{"type":"ping"}"#, .invalidMessage, "at byte 15"),
        Case("duplicate type", #"{"type":"ping","type":"resync"}"#, .invalidMessage, "duplicate member name \"type\""),
        Case("lone surrogate", #"{"type":"ping","rid":"\uD800"}"#, .invalidMessage, "surrogate"),
        Case("binary garbage", bytes: [0x00, 0xFF, 0x13, 0x37, 0xC0], .invalidMessage, "at byte 0"),
        Case("invalid UTF-8 in string", bytes: Array(#"{"type":""#.utf8) + [0xFE] + Array(#""}"#.utf8), .invalidMessage, "UTF-8"),
        Case("array frame", "[1,2]", .invalidMessage, "must be a JSON object, got array"),
        Case("string frame", #""ping""#, .invalidMessage, "must be a JSON object, got string"),
        Case("missing type", #"{"rid":5}"#, .invalidMessage, #"missing field "type""#, rid: 5),
        Case("type not a string", #"{"type":7,"rid":"a"}"#, .invalidMessage, #"field "type" must be a string"#, rid: "a"),
        Case("unknown type", #"{"type":"frobnicate","rid":1}"#, .invalidMessage, #"field "type" names unknown message type "frobnicate""#, rid: 1),
        Case("server type sent by client", #"{"type":"pong"}"#, .invalidMessage, #""type""#),
        Case("rid of wrong type", #"{"type":"ping","rid":true}"#, .invalidMessage, #"field "rid" must be a string or an integer, got boolean"#),
        Case("rid fractional", #"{"type":"ping","rid":1.5}"#, .invalidMessage, #"field "rid""#),
        Case("rid object", #"{"type":"ping","rid":{}}"#, .invalidMessage, #"field "rid""#),
        Case("join without model", #"{"type":"join_collaboration","record_id":1,"rid":2}"#, .invalidMessage, #"missing field "model""#, rid: 2),
        Case("join record_id boolean", #"{"type":"join_collaboration","model":"M","record_id":false}"#, .invalidMessage, #"field "record_id" must be a string or an integer"#),
        Case("leave without session_id", #"{"type":"leave_collaboration"}"#, .invalidMessage, #"missing field "session_id""#),
        Case("session_id number", #"{"type":"leave_collaboration","session_id":12,"rid":"x"}"#, .invalidMessage, #"field "session_id" must be a string, got number 12"#, rid: "x"),
        Case("both op and value", "{\(change),\"base_version\":1,\"op\":[1],\"value\":\"a\",\"rid\":3}", .invalidMessage, #"exactly one of "op" and "value""#, rid: 3),
        Case("neither op nor value", "{\(change),\"base_version\":1}", .invalidMessage, #""op" or "value" is required"#),
        Case("op not an array", "{\(change),\"base_version\":1,\"op\":\"insert\",\"rid\":4}", .invalidOp, #"field "op" must be an array"#, rid: 4),
        Case("op null", "{\(change),\"base_version\":1,\"op\":null}", .invalidOp, #"field "op""#),
        Case("op object", "{\(change),\"base_version\":1,\"op\":{\"retain\":1}}", .invalidOp, #"field "op""#),
        Case("base_version string", "{\(change),\"base_version\":\"7\",\"value\":1}", .invalidMessage, #"field "base_version" must be a non-negative integer, got string"#),
        Case("base_version negative", "{\(change),\"base_version\":-1,\"value\":1}", .invalidMessage, #"field "base_version" must be a non-negative integer, got number -1"#),
        Case("base_version fractional", "{\(change),\"base_version\":1.5,\"value\":1}", .invalidMessage, #"field "base_version" must be a non-negative integer, got number 1.5"#),
        Case("base_version beyond 2^53", "{\(change),\"base_version\":1e300,\"value\":1}", .invalidMessage, #"field "base_version""#),
        Case("base_version missing", "{\(change),\"value\":1,\"rid\":\"q\"}", .invalidMessage, #"missing field "base_version""#, rid: "q"),
        Case("field missing", #"{"type":"field_change","session_id":"s","base_version":0,"value":1}"#, .invalidMessage, #"missing field "field""#),
        Case("cursor bad state", #"{"type":"cursor","session_id":"s","field":"f","state":"hover"}"#, .invalidMessage, #"field "state" must be one of "focus", "blur", got string "hover""#),
        Case("cursor position not an object", #"{"type":"cursor","session_id":"s","field":"f","state":"focus","position":3}"#, .invalidMessage, #"field "position" must be an object"#),
        Case("cursor position negative index", #"{"type":"cursor","session_id":"s","field":"f","state":"focus","position":{"index":-2,"end":0}}"#, .invalidMessage, #"field "position.index""#),
        Case("cursor position missing end", #"{"type":"cursor","session_id":"s","field":"f","state":"focus","position":{"index":2}}"#, .invalidMessage, #"missing field "position.end""#),
        Case("comment text not a string", #"{"type":"comment","session_id":"s","field":"f","text":["hi"]}"#, .invalidMessage, #"field "text" must be a string, got array"#),
        Case("comment parent_id number", #"{"type":"comment","session_id":"s","field":"f","text":"t","parent_id":3}"#, .invalidMessage, #"field "parent_id""#),
        Case("bad choice", #"{"type":"resolve_conflict","session_id":"s","conflict_id":"k","choice":"mine","rid":6}"#, .invalidMessage, #"field "choice" must be one of "local", "remote", "merged""#, rid: 6),
        Case("merged without value", #"{"type":"resolve_conflict","session_id":"s","conflict_id":"k","choice":"merged"}"#, .invalidMessage, #"missing field "value", required when "choice" is "merged""#),
        Case("rollback without conflict_id", #"{"type":"rollback","session_id":"s"}"#, .invalidMessage, #"missing field "conflict_id""#),
        Case("resync since_version boolean", #"{"type":"resync","session_id":"s","since_version":true}"#, .invalidMessage, #"field "since_version" must be a non-negative integer, got boolean true"#),
        Case("huge frame", "{\"type\":\"ping\",\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}", .tooLarge, "more than the limit of 65536 bytes"),
        Case("deep nesting", "{\"type\":\"ping\",\"x\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}", .tooLarge, "nested deeper than the limit of 64"),
    ]

    @Test(arguments: cases)
    func malformedFrameIsRefusedWithItsCode(_ example: Case) {
        do {
            let message = try WireCodec().decodeClient(example.frame)
            Issue.record("decoded \(message) from a malformed frame")
        } catch {
            #expect(error.code == example.code)
            #expect(error.message.contains(example.mentions), "message was: \(error.message)")
            #expect(error.rid == example.rid)
        }
    }

    @Test func tableHasAtLeastThirtyCases() {
        #expect(Self.cases.count >= 30)
    }

    @Test func frameExactlyAtTheLimitIsAccepted() throws {
        let prefix = #"{"type":"ping","pad":""#
        let pad = String(repeating: "x", count: WireLimits.frameBytesMaxDefault - prefix.utf8.count - 2)
        let frame = prefix + pad + "\"}"
        #expect(frame.utf8.count == WireLimits.frameBytesMaxDefault)
        #expect(try WireCodec().decodeClient(frame) == .ping(Ping()))
        #expect(throws: WireError.self) { try WireCodec().decodeClient(prefix + pad + "x\"}") }
    }

    @Test func malformedServerFramesAreRefusedToo() {
        let frames = [
            #"{"type":"ack","version":-1}"#, #"{"type":"ack","version":1,"op":"x"}"#, #"{"type":"pong","server_time":"yesterday"}"#,
            #"{"type":"error","code":"teapot","message":"m"}"#, #"{"type":"joined"}"#, #"{"type":"ping"}"#,
            #"{"type":"joined","session_id":"s","model":"M","record_id":1,"version":1,"fields":{},"field_versions":{"a":"1"},"participants":[],"comments":[],"read_only":false}"#,
            #"{"type":"joined","session_id":"s","model":"M","record_id":1,"version":1,"fields":{},"field_versions":{},"participants":[{"user_id":1}],"comments":[],"read_only":false}"#,
        ]
        let mentions = [
            #""version""#, #""op""#, #""server_time""#, #""code""#, #""session_id""#, #""type""#, #""field_versions.a""#,
            #""participants[0].username""#,
        ]
        for (frame, mention) in zip(frames, mentions) {
            #expect {
                _ = try WireCodec().decodeServer(frame)
            } throws: { error in
                (error as? WireError)?.message.contains(mention) == true
            }
        }
    }
}
