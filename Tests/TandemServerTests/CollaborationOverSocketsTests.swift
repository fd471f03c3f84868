import TandemCore
import TandemCoreTestSupport
import TandemWire
import Testing

/// Two real clients against a real `tandem-server` process: PROTOCOL.md's worked example, presence,
/// cursors, comments and a manual conflict settled each way.
@Suite(.timeLimit(.minutes(2)))
struct CollaborationOverSocketsTests {
    @Test func workedExampleConvergesToHelloBeautifulWorldAtVersionNine() async throws {
        try await withServer { server in
            let a = try await ProtocolClient.login(server, as: "alice")
            let b = try await ProtocolClient.login(server, as: "bob")
            #expect(try await a.join().int("version") == 0)
            for version in 0..<6 {
                #expect(
                    try await a.change("age", value: "\(version)", base: version, rid: 10 + version).int("version")
                        == version + 1
                )
            }
            #expect(try await a.change("notes", value: #""Hello world""#, base: 6, rid: 20).int("version") == 7)
            let joined = try await b.join(rid: 2)
            #expect(joined.int("version") == 7)
            #expect(joined["fields"]?["notes"] == "Hello world")
            var viewA = TextView(text: "Hello world", version: 7)
            var viewB = TextView(text: "Hello world", version: 7)
            let sendA = try #require(try viewA.edit(TextOperation([.retain(5), .insert(" beautiful"), .retain(6)])))
            let sendB = try #require(try viewB.edit(TextOperation([.retain(11), .insert("!")])))
            let frameA =
                #"{"type":"field_change","session_id":"Contact:1","field":"notes","base_version":7,"op":\#(try JSONWriter().string(sendA.operation.json)),"rid":100}"#
            let frameB =
                #"{"type":"field_change","session_id":"Contact:1","field":"notes","base_version":7,"op":\#(try JSONWriter().string(sendB.operation.json)),"rid":200}"#
            async let sentA: Void = a.send(frameA)
            async let sentB: Void = b.send(frameB)
            _ = try await (sentA, sentB)
            for client in [a, b] {
                try await waitUntil("\(client.name) to see versions 8 and 9") {
                    Set(Self.versions(after: 7, client)) == [8, 9]
                }
            }
            try viewA.receive(Self.messages(after: 7, a))
            try viewB.receive(Self.messages(after: 7, b))
            #expect(viewA.text == "Hello beautiful world!")
            #expect(viewB.text == "Hello beautiful world!")
            let record = try await HTTP.request(
                "GET",
                "\(server.baseURL)/api/v1/Contact/1",
                token: try await HTTP.login(server, "ada", "ada-pw")
            ).json
            #expect(record?.int("version") == 9)
            #expect(record?["result"]?["notes"] == "Hello beautiful world!")
        }
    }

    /// Acks and model changes after `version`, in arrival order.
    static func messages(after version: Int, _ client: ProtocolClient) -> [ServerMessage] {
        client.frames.compactMap(\.message).filter { message in
            switch message {
            case .ack(let ack): return ack.version > version
            case .modelChanged(let change): return change.version > version
            default: return false
            }
        }
    }

    static func versions(after version: Int, _ client: ProtocolClient) -> [Int] {
        messages(after: version, client).compactMap { message in
            if case .ack(let ack) = message { return ack.version }
            if case .modelChanged(let change) = message { return change.version }
            return nil
        }
    }

    @Test func presenceCursorsAndCommentsReachTheOtherClient() async throws {
        try await withServer { server in
            let a = try await ProtocolClient.login(server, as: "alice")
            let b = try await ProtocolClient.login(server, as: "bob")
            try await a.join()
            let joined = try await b.join(rid: 2)
            let names = joined["participants"]?.arrayValue?.compactMap { $0["username"]?.stringValue } ?? []
            #expect(Set(names) == ["alice", "bob"])
            let arrived = try await a.next("user_joined")
            #expect(arrived["user"]?["username"] == "bob")
            try await b.send(
                #"{"type":"cursor","session_id":"Contact:1","field":"notes","state":"focus","position":{"index":3,"end":5}}"#
            )
            let cursor = try await a.next("cursor_moved")
            #expect(cursor["user"]?["username"] == "bob")
            #expect(cursor["position"]?["index"]?.intValue == 3)
            try await a.send(
                #"{"type":"comment","session_id":"Contact:1","field":"notes","text":"Looks good","rid":5}"#
            )
            let own = try await a.reply(to: 5)
            #expect(own.string("type") == "comment_added")
            let seen = try await b.next("comment_added")
            #expect(seen["comment"]?["text"] == "Looks good")
            #expect(seen["comment"]?["user"]?["username"] == "alice")
            try await b.close()
            let left = try await a.next("user_left")
            #expect(left["user"]?["username"] == "bob")
        }
    }

    @Test(arguments: ["local", "remote", "merged"])
    func manualConflictOnNameIsSettledByChoice(_ choice: String) async throws {
        try await withServer { server in
            let a = try await ProtocolClient.login(server, as: "alice")
            let b = try await ProtocolClient.login(server, as: "bob")
            try await a.join()
            try await b.join(rid: 2)
            #expect(try await a.change("name", value: #""Ada""#, base: 0, rid: 10).string("type") == "ack")
            let conflict = try await b.change("name", value: #""Bea""#, base: 0, rid: 11)
            #expect(conflict.string("type") == "conflict_detected")
            #expect(conflict["local_value"] == "Bea")
            #expect(conflict["remote_value"] == "Ada")
            let id = conflict.string("conflict_id")
            let merged = choice == "merged" ? #","value":"Ada-Bea""# : ""
            try await b.send(
                #"{"type":"resolve_conflict","session_id":"Contact:1","conflict_id":"\#(id)","choice":"\#(choice)"\#(merged),"rid":12}"#
            )
            let expected: JSONValue = choice == "local" ? "Bea" : choice == "remote" ? "Ada" : "Ada-Bea"
            let resolved = try await a.next("conflict_resolved")
            #expect(resolved["choice"]?.stringValue == choice)
            #expect(resolved["value"] == expected)
            if choice != "remote" {
                let changed = try await a.next("model_changed") {
                    $0["field"] == "name" && $0["origin"] == "resolution"
                }
                #expect(changed["value"] == expected)
            }
            let token = try await HTTP.login(server, "ada", "ada-pw")
            let record = try await HTTP.request("GET", "\(server.baseURL)/api/v1/Contact/1", token: token).json
            #expect(record?["result"]?["name"] == expected)
        }
    }
}
