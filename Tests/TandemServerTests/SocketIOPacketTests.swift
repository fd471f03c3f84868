import TandemCore
import TandemWire
import Testing

@testable import TandemServer

/// Engine.IO / Socket.IO packet reading and the acknowledgement routing, without a server.
struct SocketIOPacketTests {
    static func packet(_ text: String) throws -> SocketIOPacket {
        guard case .message(let data)? = EngineIOPacket(Array(text.utf8)[...]) else {
            throw SocketIOPacket.Malformed(message: "not an Engine.IO message: \(text)")
        }
        return try SocketIOPacket.parse(data)
    }

    @Test func readsEngineIOPacketTypes() {
        #expect(EngineIOPacket(Array("3".utf8)[...]) == .pong(""))
        #expect(EngineIOPacket(Array("2probe".utf8)[...]) == .ping("probe"))
        #expect(EngineIOPacket(Array("1".utf8)[...]) == .close)
        #expect(EngineIOPacket(Array("x".utf8)[...]) == nil)
        #expect(EngineIOPacket([][...]) == nil)
    }

    @Test func readsNamespaceAckIDAndPayload() throws {
        let event = try Self.packet(#"42/collaboration,17["ping",{}]"#)
        #expect(event.kind == .event && event.namespace == "/collaboration" && event.ackID == 17)
        #expect(String(decoding: event.payload, as: UTF8.self) == #"["ping",{}]"#)
        let connect = try Self.packet(#"40/collaboration,{"token":"t"}"#)
        #expect(connect.kind == .connect && connect.ackID == nil)
        #expect(SocketIOHandler.token(connect.payload, codec: WireCodec()) == "t")
        let bare = try Self.packet("40")
        #expect(bare.namespace == "/" && bare.payload.isEmpty)
        #expect(SocketIOHandler.token(bare.payload, codec: WireCodec()) == nil)
        let disconnect = try Self.packet("41/collaboration,")
        #expect(disconnect.kind == .disconnect && disconnect.namespace == "/collaboration")
        #expect(try Self.packet(#"42["ping"]"#).ackID == nil)
    }

    @Test func refusesBinaryAndUnknownPackets() {
        #expect(throws: SocketIOPacket.Malformed.self) { try Self.packet(#"451-/collaboration,["x",{"_placeholder":true,"num":0}]"#) }
        #expect(throws: SocketIOPacket.Malformed.self) { try Self.packet("49") }
        #expect(throws: SocketIOPacket.Malformed.self) { try Self.packet("4") }
        #expect(throws: SocketIOPacket.Malformed.self) { try Self.packet("42/collaboration,1234567890123456[]") }
    }

    @Test func writesHeaders() {
        #expect(SocketIOPacket.frameHeader(.event, namespace: "/collaboration") == "42/collaboration,")
        #expect(SocketIOPacket.frameHeader(.ack, namespace: "/collaboration", ackID: 3) == "43/collaboration,3")
        #expect(SocketIOPacket.frameHeader(.connectError, namespace: "/") == "44")
    }

    @Test func routesAnAnswerToItsAcknowledgementOnce() {
        let state = SocketIOState()
        let rid = state.expect(ackID: 5, clientRID: .string("mine"))
        #expect(state.answered(by: .string(rid))?.ackID == 5)
        #expect(state.answered(by: .string(rid))?.clientRID == nil, "answered twice")
        #expect(state.answered(by: .string("mine")) == nil)
        _ = state.expect(ackID: 6, clientRID: nil)
        #expect(state.answered(by: .string(SocketIOState.ridPrefix + "6"))?.ackID == 6)
    }

    @Test func forgetsTheOldestUnansweredAcknowledgementsBeyondTheLimit() {
        let state = SocketIOState()
        for ackID in 0...SocketIOState.pendingMax { _ = state.expect(ackID: ackID, clientRID: nil) }
        #expect(state.answered(by: .string(SocketIOState.ridPrefix + "0")) == nil)
        #expect(state.answered(by: .string(SocketIOState.ridPrefix + "\(SocketIOState.pendingMax)")) != nil)
    }
}
