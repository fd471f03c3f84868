import Testing
import TandemCore
import TandemWire

struct WireRoundTripTests {
    let codec = WireCodec()

    @Test func everyClientMessageRoundTrips() throws {
        for message in WireSamples.client {
            let text = codec.encodeClient(message)
            #expect(try codec.decodeClient(text) == message, "\(text)")
            #expect(try codec.decodeClient(codec.encodeClientBytes(message)) == message)
        }
    }

    @Test func everyServerMessageRoundTrips() throws {
        for message in WireSamples.server {
            let text = codec.encodeServer(message)
            #expect(try codec.decodeServer(text) == message, "\(text)")
            #expect(try codec.decodeServer(codec.encodeServerBytes(message)) == message)
        }
    }

    @Test func samplesCoverEveryMessageType() {
        #expect(Set(WireSamples.client.map(\.typeName)) == Set(ClientMessage.typeNames))
        #expect(Set(WireSamples.server.map(\.typeName)) == Set(ServerMessage.typeNames))
    }

    @Test func encodingIsDeterministicAndReencodesToTheSameBytes() throws {
        for message in WireSamples.server {
            let bytes = codec.encodeServerBytes(message)
            #expect(codec.encodeServerBytes(try codec.decodeServer(bytes)) == bytes)
        }
        for message in WireSamples.client {
            let bytes = codec.encodeClientBytes(message)
            #expect(codec.encodeClientBytes(try codec.decodeClient(bytes)) == bytes)
        }
    }

    @Test func unknownMembersAreIgnored() throws {
        let frame = #"{"type":"resync","session_id":"s1","since_version":4,"rid":1,"future":{"x":[1,2]},"trace":"t"}"#
        #expect(try codec.decodeClient(frame) == .resync(Resync(sessionID: "s1", sinceVersion: 4, rid: 1)))
    }

    @Test func nullOptionalsReadAsAbsent() throws {
        let frame = #"{"type":"comment","session_id":"s","field":"f","text":"t","parent_id":null,"rid":null}"#
        #expect(try codec.decodeClient(frame) == .comment(CommentRequest(sessionID: "s", field: "f", text: "t")))
        let cursor = #"{"type":"cursor","session_id":"s","field":"f","state":"blur","position":null}"#
        #expect(try codec.decodeClient(cursor) == .cursor(CursorUpdate(sessionID: "s", field: "f", state: .blur)))
    }

    @Test func integralFloatsReadAsIntegers() throws {
        let frame = #"{"type":"field_change","session_id":"s","field":"f","base_version":7.0,"value":1,"rid":2e0}"#
        let expected = FieldChange(sessionID: "s", field: "f", baseVersion: 7, edit: .value(1), rid: 2)
        #expect(try codec.decodeClient(frame) == .fieldChange(expected))
    }

    @Test func timestampsWithOffsetsDecodeToUTCMilliseconds() throws {
        let frame = #"{"type":"pong","server_time":"2026-01-01T02:00:00.123+02:00"}"#
        #expect(try codec.decodeServer(frame) == .pong(Pong(serverTime: WireSamples.time)))
    }

    @Test func serverFramesLargerThanTheClientLimitStillDecode() throws {
        let big = String(repeating: "x", count: 100_000)
        let message = ServerMessage.conflictResolved(
            ConflictResolved(sessionID: "s", conflictID: "k", field: "f", choice: .local, value: .string(big), user: WireSamples.alice)
        )
        #expect(try codec.decodeServer(codec.encodeServerBytes(message)) == message)
        #expect(throws: WireError.self) {
            try codec.decodeClient(codec.encodeClientBytes(.fieldChange(
                FieldChange(sessionID: "s", field: "f", baseVersion: 0, edit: .value(.string(big)))
            )))
        }
    }

    @Test func wireErrorBecomesAnErrorFrameEchoingTheRequestID() throws {
        do {
            _ = try codec.decodeClient(#"{"type":"resync","rid":"r9","session_id":"s"}"#)
            Issue.record("decoding must fail")
        } catch {
            let frame = codec.encodeServer(.error(error.errorMessage))
            #expect(frame == #"{"code":"invalid_message","message":"missing field \"since_version\"","rid":"r9","type":"error"}"#)
        }
    }
}
