import TandemCore
import Testing

/// A table of bad frames sent by one client to a live server: each gets its `error` (with the `rid` when it
/// could be read), the connection stays open, and a second client in the same session keeps being served.
@Suite(.timeLimit(.minutes(3)))
struct MalformedInputTests {
    /// What to send and the error code it must earn.
    enum Payload: Sendable {
        case text(String)
        case binary([UInt8])
        case fragments([String])
    }

    struct Case: Sendable {
        var name: String
        var payload: Payload
        var code: String
        var rid: Int?
    }

    static let change = #""type":"field_change","session_id":"Contact:1""#

    static let cases: [Case] = [
        Case(name: "plain text", payload: .text("hello"), code: "invalid_message"),
        Case(name: "truncated object", payload: .text("{"), code: "invalid_message"),
        Case(name: "array", payload: .text("[]"), code: "invalid_message"),
        Case(name: "string", payload: .text(#""join""#), code: "invalid_message"),
        Case(name: "number", payload: .text("42"), code: "invalid_message"),
        Case(name: "null", payload: .text("null"), code: "invalid_message"),
        Case(name: "empty object", payload: .text("{}"), code: "invalid_message"),
        Case(name: "empty frame", payload: .text(""), code: "invalid_message"),
        Case(name: "type is a number", payload: .text(#"{"type":42,"rid":1}"#), code: "invalid_message", rid: 1),
        Case(name: "unknown type", payload: .text(#"{"type":"explode","rid":2}"#), code: "invalid_message", rid: 2),
        Case(name: "rid is an object", payload: .text(#"{"type":"ping","rid":{"a":1}}"#), code: "invalid_message"),
        Case(name: "trailing garbage", payload: .text(#"{"type":"ping","rid":3} x"#), code: "invalid_message"),
        Case(
            name: "join without model",
            payload: .text(#"{"type":"join_collaboration","record_id":1,"rid":4}"#),
            code: "invalid_message",
            rid: 4
        ),
        Case(
            name: "join with numeric model",
            payload: .text(#"{"type":"join_collaboration","model":5,"record_id":1,"rid":5}"#),
            code: "invalid_message",
            rid: 5
        ),
        Case(
            name: "join unknown model",
            payload: .text(#"{"type":"join_collaboration","model":"Nope","record_id":1,"rid":6}"#),
            code: "not_found",
            rid: 6
        ),
        Case(
            name: "change in an unknown session",
            payload: .text(
                #"{"type":"field_change","session_id":"Contact:999","field":"age","base_version":0,"value":1,"rid":7}"#
            ),
            code: "not_joined",
            rid: 7
        ),
        Case(
            name: "change of an unknown field",
            payload: .text(#"{\#(change),"field":"nope","base_version":0,"value":1,"rid":8}"#),
            code: "unknown_field",
            rid: 8
        ),
        Case(
            name: "op past the end of the text",
            payload: .text(#"{\#(change),"field":"notes","base_version":1,"op":[100,"x"],"rid":9}"#),
            code: "invalid_op",
            rid: 9
        ),
        Case(
            name: "delete past the end of the text",
            payload: .text(#"{\#(change),"field":"notes","base_version":1,"op":[3,-50],"rid":10}"#),
            code: "invalid_op",
            rid: 10
        ),
        Case(
            name: "op on a number field",
            payload: .text(#"{\#(change),"field":"age","base_version":1,"op":[1],"rid":11}"#),
            code: "invalid_op",
            rid: 11
        ),
        Case(
            name: "op that is not an array",
            payload: .text(#"{\#(change),"field":"notes","base_version":1,"op":"abc","rid":12}"#),
            code: "invalid_op",
            rid: 12
        ),
        Case(
            name: "negative base_version",
            payload: .text(#"{\#(change),"field":"age","base_version":-1,"value":1,"rid":13}"#),
            code: "invalid_message",
            rid: 13
        ),
        Case(
            name: "base_version is a string",
            payload: .text(#"{\#(change),"field":"age","base_version":"1","value":1,"rid":14}"#),
            code: "invalid_message",
            rid: 14
        ),
        Case(
            name: "base_version ahead of the record",
            payload: .text(#"{\#(change),"field":"age","base_version":99,"value":1,"rid":15}"#),
            code: "invalid_message",
            rid: 15
        ),
        Case(
            name: "value of the wrong type",
            payload: .text(#"{\#(change),"field":"age","base_version":1,"value":"old","rid":16}"#),
            code: "invalid_message",
            rid: 16
        ),
        Case(
            name: "both op and value",
            payload: .text(#"{\#(change),"field":"notes","base_version":1,"op":[3],"value":"x","rid":17}"#),
            code: "invalid_message",
            rid: 17
        ),
        Case(
            name: "cursor with an unknown state",
            payload: .text(#"{"type":"cursor","session_id":"Contact:1","field":"notes","state":"dance","rid":18}"#),
            code: "invalid_message",
            rid: 18
        ),
        Case(
            name: "comment without text",
            payload: .text(#"{"type":"comment","session_id":"Contact:1","field":"notes","rid":19}"#),
            code: "invalid_message",
            rid: 19
        ),
        Case(
            name: "resolve an unknown conflict",
            payload: .text(
                #"{"type":"resolve_conflict","session_id":"Contact:1","conflict_id":"nope","choice":"local","rid":20}"#
            ),
            code: "not_found",
            rid: 20
        ),
        Case(
            name: "resolve with an unknown choice",
            payload: .text(
                #"{"type":"resolve_conflict","session_id":"Contact:1","conflict_id":"x","choice":"maybe","rid":21}"#
            ),
            code: "invalid_message",
            rid: 21
        ),
        Case(
            name: "rollback of an unknown conflict",
            payload: .text(#"{"type":"rollback","session_id":"Contact:1","conflict_id":"nope","rid":22}"#),
            code: "not_found",
            rid: 22
        ),
        Case(
            name: "resync of an unknown model",
            payload: .text(#"{"type":"resync","session_id":"Nope:1","since_version":0,"rid":23}"#),
            code: "not_found",
            rid: 23
        ),
        Case(
            name: "leave a session never joined",
            payload: .text(#"{"type":"leave_collaboration","session_id":"Contact:77","rid":24}"#),
            code: "not_joined",
            rid: 24
        ),
        Case(
            name: "nesting 100 deep",
            payload: .text(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)),
            code: "too_large"
        ),
        Case(
            name: "70 KiB frame",
            payload: .text(#"{"type":"comment","text":""# + String(repeating: "x", count: 70_000) + #""}"#),
            code: "too_large"
        ),
        Case(
            name: "200 KiB fragmented message",
            payload: .fragments(Array(repeating: String(repeating: "y", count: 50_000), count: 4)),
            code: "too_large"
        ),
        Case(name: "binary frame", payload: .binary(Array(#"{"type":"ping"}"#.utf8)), code: "invalid_message"),
    ]

    @Test func everyBadFrameGetsItsErrorAndOthersKeepBeingServed() async throws {
        #expect(Self.cases.count >= 30)
        try await withServer { server in
            let attacker = try await ProtocolClient.login(server, as: "alice")
            let bystander = try await ProtocolClient.login(server, as: "bob")
            try await attacker.join()
            try await bystander.join(rid: 2)
            #expect(try await attacker.change("notes", value: #""abc""#, base: 0, rid: 900).int("version") == 1)
            for (index, testCase) in Self.cases.enumerated() {
                switch testCase.payload {
                case .text(let text): try await attacker.send(text)
                case .binary(let bytes): try await attacker.sendBinary(bytes)
                case .fragments(let parts): try await attacker.sendFragmented(parts)
                }
                let error = try await attacker.next("error")
                #expect(error.string("code") == testCase.code, "\(testCase.name): \(error)")
                #expect(error["rid"]?.intValue == testCase.rid, "\(testCase.name): rid of \(error)")
                let rid = 1_000 + index
                try await bystander.send(#"{"type":"ping","rid":\#(rid)}"#)
                #expect(try await bystander.reply(to: rid).string("type") == "pong", "bystander after \(testCase.name)")
            }
            #expect(try await bystander.change("age", value: "7", base: 1, rid: 950).int("version") == 2)
            let seen = try await attacker.next("model_changed") { $0["field"] == "age" }
            #expect(seen.int("version") == 2, "the attacker's connection is still open and served")
            #expect(!attacker.isEnded)
        }
    }

    @Test func repeatedBreachesCloseTheConnectionWith1008() async throws {
        let config = TestConfig.standard.replacingOccurrences(
            of: "breaches_before_close_max: 1000",
            with: "breaches_before_close_max: 3"
        )
        try await withServer(config: config) { server in
            let client = try await ProtocolClient.login(server, as: "alice")
            for _ in 0..<4 { try await client.send("nonsense") }
            #expect(try await client.closed().code == 1008)
            #expect(client.received("error").count == 4)
        }
    }
}
