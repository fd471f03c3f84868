import Testing
import TandemCore
import TandemWire

/// Exact bytes of representative frames: the wire contract, byte for byte (sorted keys, no whitespace).
struct WireGoldenFrameTests {
    let codec = WireCodec()

    @Test func connectionConfirmedFrame() {
        let message = ServerMessage.connectionConfirmed(
            ConnectionConfirmed(connectionID: "c-9", user: WireSamples.alice, serverTime: 1_767_225_600_000, heartbeatMs: 15_000)
        )
        #expect(codec.encodeServer(message) == #"{"connection_id":"c-9","heartbeat_ms":15000,"protocol":1,"server_time":"2026-01-01T00:00:00.000Z","type":"connection_confirmed","user":{"id":1,"username":"alice"}}"#)
    }

    @Test func fieldChangeWithTextOpFrame() {
        let message = ClientMessage.fieldChange(
            FieldChange(sessionID: "s1", field: "notes", baseVersion: 7, edit: .op([5, " beautiful", 6]), rid: 12)
        )
        #expect(codec.encodeClient(message) == #"{"base_version":7,"field":"notes","op":[5," beautiful",6],"rid":12,"session_id":"s1","type":"field_change"}"#)
    }

    @Test func modelChangedFrame() {
        #expect(codec.encodeServer(WireSamples.server[6]) == #"{"field":"age","model":"Contact","old_value":31,"origin":"rest","record_id":42,"session_id":"s1","timestamp":"2026-01-01T00:00:00.123Z","type":"model_changed","user":{"id":1,"username":"alice"},"value":32,"version":9}"#)
    }

    @Test func deletionFrames() throws {
        let deletion = try #require(WireSamples.server.first {
            if case .modelChanged(let changed) = $0 { return changed.isDeletion } else { return false }
        })
        #expect(codec.encodeServer(deletion) == #"{"change_id":"rest-1","change_type":"delete","field":"","model":"Contact","old_value":{"age":32,"name":"Ann"},"origin":"rest","record_id":42,"session_id":"s1","timestamp":"2026-01-01T00:00:00.123Z","type":"model_changed","user":{"id":1,"username":"alice"},"value":null,"version":11}"#)
        let snapshot = try #require(WireSamples.server.last)
        #expect(codec.encodeServer(snapshot) == #"{"comments":[],"deleted":true,"field_versions":{},"fields":{},"model":"Contact","participants":[],"read_only":false,"record_id":42,"recovered":false,"session_id":"s1","type":"joined","version":11}"#)
        let badType = #"{"type":"model_changed","session_id":"s1","model":"Contact","record_id":1,"field":"","version":2,"value":null,"user":{"id":1,"username":"a"},"timestamp":"2026-01-01T00:00:00Z","origin":"rest","change_type":"erase"}"#
        #expect(throws: WireError.self) { try codec.decodeServer(badType) }
    }

    @Test func joinedFrame() {
        #expect(codec.encodeServer(WireSamples.server[1]) == ##"{"comments":[{"created_at":"2026-01-01T00:00:00.123Z","field":"notes","id":"c1","text":"hi","user":{"id":1,"username":"alice"}},{"created_at":"1970-01-01T00:00:00.000Z","field":"notes","id":"c2","parent_id":"c1","text":"yo","user":{"id":1,"username":"alice"}}],"field_versions":{"name":1,"notes":7},"fields":{"age":31,"meta":null,"name":"Ann","notes":"Hello world","tags":["a"]},"model":"Contact","participants":[{"color":"#e6194b","focus":"notes","user_id":1,"username":"alice"},{"color":"#3cb44b","user_id":2,"username":"bob"}],"read_only":false,"record_id":42,"rid":1,"session_id":"s1","type":"joined","version":7}"##)
    }

    @Test func smallFrames() {
        #expect(codec.encodeClient(.ping(Ping())) == #"{"type":"ping"}"#)
        #expect(codec.encodeServer(.pong(Pong(serverTime: 0, rid: "p"))) == #"{"rid":"p","server_time":"1970-01-01T00:00:00.000Z","type":"pong"}"#)
        #expect(codec.encodeServer(.ack(Ack(rid: 2, version: 8, op: [5, " beautiful", 7]))) == #"{"op":[5," beautiful",7],"rid":2,"type":"ack","version":8}"#)
        #expect(codec.encodeServer(.error(ErrorMessage(code: .tooLarge, message: "frame too big"))) == #"{"code":"too_large","message":"frame too big","type":"error"}"#)
        #expect(codec.encodeClient(WireSamples.client[10]) == #"{"field":"notes","rid":4,"session_id":"s1","text":"Why \"this\"?\u000a","type":"comment"}"#)
        #expect(codec.encodeServer(WireSamples.server[3]) == ##"{"session_id":"s1","type":"user_joined","user":{"color":"#3cb44b","user_id":2,"username":"bob"}}"##)
    }

    @Test func clientFramesAsABrowserWritesThemDecode() throws {
        let frame = #"{ "type": "join_collaboration", "model": "Contact", "record_id": 42, "rid": "a1" }"#
        #expect(try codec.decodeClient(frame) == .joinCollaboration(JoinCollaboration(model: "Contact", recordID: 42, rid: "a1")))
        let cursor = #"{"type":"cursor","session_id":"s","field":"notes","state":"focus","position":{"index":2,"end":4}}"#
        #expect(try codec.decodeClient(cursor) == .cursor(CursorUpdate(sessionID: "s", field: "notes", state: .focus, position: CursorPosition(index: 2, end: 4))))
    }
}
