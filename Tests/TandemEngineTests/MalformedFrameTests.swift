import Testing
import TandemCore
import TandemEngine
import TandemWire

/// Every malformed frame gets its error code through the real codec and node, and the node keeps serving.
@Suite struct MalformedFrameTests {
    static let huge = "{\"type\":\"comment\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"text\":\"" +
        String(repeating: "x", count: 70_000) + "\"}"
    static let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)

    /// (frame, expected code) — at least 30 cases, from bytes that are not JSON to requests the engine refuses.
    static let cases: [(String, ErrorCode)] = [
        ("", .invalidMessage),
        ("not json", .invalidMessage),
        ("{", .invalidMessage),
        ("[]", .invalidMessage),
        ("42", .invalidMessage),
        ("{\"type\":42}", .invalidMessage),
        ("{\"no_type\":true}", .invalidMessage),
        ("{\"type\":\"explode\"}", .invalidMessage),
        ("{\"type\":\"join_collaboration\"}", .invalidMessage),
        ("{\"type\":\"join_collaboration\",\"model\":7,\"record_id\":1}", .invalidMessage),
        ("{\"type\":\"join_collaboration\",\"model\":\"Contact\",\"record_id\":[1]}", .invalidMessage),
        ("{\"type\":\"join_collaboration\",\"model\":\"Ghost\",\"record_id\":1}", .notFound),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":0}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":0,\"value\":1,\"op\":[1]}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":\"0\",\"value\":1}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":-1,\"value\":1}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":1.5,\"value\":1}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"base_version\":0,\"op\":\"abc\"}", .invalidOp),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"base_version\":0,\"op\":[0]}", .invalidOp),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"base_version\":0,\"op\":[1.5]}", .invalidOp),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"base_version\":0,\"op\":[3,\"x\"]}", .invalidOp),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"base_version\":0,\"op\":[{\"x\":1}]}", .invalidOp),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"base_version\":0,\"op\":[-4]}", .invalidOp),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":0,\"op\":[\"x\"]}", .invalidOp),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":0,\"value\":\"old\"}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"tags\",\"base_version\":0,\"value\":[1,2]}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"birthday\",\"base_version\":0,\"value\":\"yesterday\"}", .invalidMessage),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"ghost\",\"base_version\":0,\"value\":1}", .unknownField),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:2\",\"field\":\"age\",\"base_version\":0,\"value\":1}", .notJoined),
        ("{\"type\":\"field_change\",\"session_id\":\"nonsense\",\"field\":\"age\",\"base_version\":0,\"value\":1}", .notJoined),
        ("{\"type\":\"field_change\",\"session_id\":\"Contact:1\",\"field\":\"age\",\"base_version\":999,\"value\":1}", .invalidMessage),
        ("{\"type\":\"cursor\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"state\":\"dancing\"}", .invalidMessage),
        ("{\"type\":\"cursor\",\"session_id\":\"Contact:1\",\"field\":\"ghost\",\"state\":\"focus\"}", .unknownField),
        ("{\"type\":\"comment\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"text\":\"   \"}", .invalidMessage),
        ("{\"type\":\"comment\",\"session_id\":\"Contact:1\",\"field\":\"notes\",\"text\":\"hi\",\"parent_id\":\"cm-none\"}", .invalidMessage),
        ("{\"type\":\"resolve_conflict\",\"session_id\":\"Contact:1\",\"conflict_id\":\"x\",\"choice\":\"both\"}", .invalidMessage),
        ("{\"type\":\"resolve_conflict\",\"session_id\":\"Contact:1\",\"conflict_id\":\"cf-none\",\"choice\":\"local\"}", .notFound),
        ("{\"type\":\"rollback\",\"session_id\":\"Contact:1\",\"conflict_id\":\"cf-none\"}", .notFound),
        ("{\"type\":\"resync\",\"session_id\":\"Contact:1\",\"since_version\":\"zero\"}", .invalidMessage),
        ("{\"type\":\"resync\",\"session_id\":\"Ghost:1\",\"since_version\":0}", .notFound),
        ("{\"type\":\"ping\",\"rid\":{\"a\":1}}", .invalidMessage),
        (huge, .tooLarge),
        (deep, .tooLarge),
        ("\u{FFFD}\u{0}\u{1}garbage", .invalidMessage),
    ]

    @Test func everyMalformedFrameGetsItsErrorAndTheNodeKeepsServing() async throws {
        #expect(Self.cases.count >= 30)
        try await EngineWorld.withNode(
            joined: Users.alice,
            Users.bob,
            configure: { $0.limits.breachesBeforeCloseMax = 1_000 }
        ) { _, node, attacker, bystander in
            let codec = WireCodec()
            _ = bystander.drain()
            var version = 0
            for (index, (frame, expected)) in Self.cases.enumerated() {
                _ = attacker.drain()
                switch Result(catching: { () throws(WireError) in try codec.decodeClient(Array(frame.utf8)) }) {
                case .success(let message):
                    await node.receive(message, from: attacker.id)
                case .failure(let error):
                    await node.receiveInvalid(code: error.code, message: error.message, rid: error.rid, from: attacker.id)
                }
                let errors = attacker.drain().errors
                #expect(errors.map(\.code) == [expected], "case \(index): \(frame.prefix(120))")
                #expect(errors.first.map { !$0.message.isEmpty } ?? false)
                await bystander.change("age", value: .int(index), base: version)
                #expect(bystander.drain().acks.map(\.version) == [version + 1], "node stopped serving after case \(index)")
                version += 1
            }
        }
    }
}
