import TandemCore
import TandemEngine
import TandemServer
import Testing

/// The bounded outbound queue behind every WebSocket.
@Suite struct WebSocketTransportTests {
    static let pong = ServerMessage.pong(Pong(serverTime: 0, rid: nil))

    @Test func aFullQueueRefusesInsteadOfDroppingOldFrames() async {
        let transport = WebSocketTransport(capacity: 2)
        #expect(transport.send(Self.pong))
        #expect(transport.send(Self.pong))
        #expect(!transport.send(Self.pong), "the third frame must be refused so the node can close with 1013")
        #expect(transport.queuedCount == 2)
    }

    @Test func closeComesAfterQueuedFramesExceptForSlowConsumers() async {
        let polite = WebSocketTransport(capacity: 4)
        _ = polite.send(Self.pong)
        polite.close(code: 1001, reason: "bye")
        #expect(await polite.next() == .frame(SharedFrame(Self.pong)))
        #expect(await polite.next() == .close(code: 1001, reason: "bye"))
        #expect(await polite.next() == nil)
        let slow = WebSocketTransport(capacity: 4)
        _ = slow.send(Self.pong)
        slow.close(code: 1013, reason: "slow")
        #expect(await slow.next() == .close(code: 1013, reason: "slow"))
    }

    @Test func aWaitingWriterWakesForTheNextFrameAndForFinish() async {
        let transport = WebSocketTransport(capacity: 4)
        async let first = transport.next()
        await waitUntilQueuedWriter(transport)
        #expect(transport.send(Self.pong))
        #expect(await first == .frame(SharedFrame(Self.pong)))
        async let second = transport.next()
        transport.finish()
        #expect(await second == nil)
    }

    @Test func aSharedFrameIsQueuedAsItselfInEveryTransport() async {
        let frame = SharedFrame(Self.pong)
        let first = WebSocketTransport(capacity: 4)
        let second = WebSocketTransport(capacity: 4)
        #expect(first.send(frame) && second.send(frame))
        guard case .frame(let a) = await first.next(), case .frame(let b) = await second.next() else {
            Issue.record("both writers should get a frame")
            return
        }
        #expect(a === frame && b === frame, "one object for every recipient, not a copy each")
    }

    /// Gives the `async let` a chance to park before the test sends (either order is correct).
    private func waitUntilQueuedWriter(_ transport: WebSocketTransport) async {
        for _ in 0..<100 { await Task.yield() }
    }
}
