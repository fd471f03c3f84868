import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import TandemCore
import TandemEngine
import TandemServer
import TandemWire
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

/// The transport writing to its socket's event loop by itself (the server's `/ws`), on NIO's testing channel.
@Suite struct WebSocketTransportChannelWriterTests {
    static let pong = ServerMessage.pong(Pong(serverTime: 0, rid: nil))

    /// Records the frames written and counts flushes.
    final class Outbound: ChannelOutboundHandler, @unchecked Sendable {
        // @unchecked: every member is touched only on the channel's event loop (NIO calls the handler there, and
        // the test reaches it through `eventLoop.submit`).
        typealias OutboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        var flushes = 0
        var payloads: [String] = []

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let frame = unwrapOutboundIn(data)
            payloads.append(String(buffer: frame.unmaskedData))
            promise?.succeed()
        }

        func flush(context: ChannelHandlerContext) { flushes += 1 }
    }

    static func make(capacity: Int) async throws -> (WebSocketTransport, NIOAsyncTestingChannel, Outbound) {
        let outbound = Outbound()
        let channel = await NIOAsyncTestingChannel(handler: outbound)
        let codec = WireCodec()
        let transport = WebSocketTransport(
            capacity: capacity,
            writer: .init(channel: channel) { frame in
                WebSocketFrame(
                    fin: true, opcode: .text, data: frame.encoded { ByteBuffer(bytes: codec.encodeServerBytes($0)) })
            })
        return (transport, channel, outbound)
    }

    /// Runs `body` on the loop and returns its result (after everything the loop was given before it).
    static func onLoop<T: Sendable>(_ channel: NIOAsyncTestingChannel, _ body: @escaping @Sendable () -> T) async throws
        -> T
    {
        try await channel.eventLoop.submit(body).get()
    }

    static func pong(_ time: Int) -> ServerMessage { .pong(Pong(serverTime: Int64(time), rid: nil)) }

    @Test func framesQueuedBeforeTheDrainGoOutInOrderWithOneFlush() async throws {
        let (transport, channel, outbound) = try await Self.make(capacity: 8)
        // Hold the loop so the three frames are queued before the drain their first send scheduled runs.
        let gate = DispatchSemaphore(value: 0)
        channel.eventLoop.execute { gate.wait() }
        for time in 1...3 { #expect(transport.send(Self.pong(time))) }
        gate.signal()
        let (payloads, flushes) = try await Self.onLoop(channel) { (outbound.payloads, outbound.flushes) }
        let codec = WireCodec()
        #expect(payloads == (1...3).map { String(decoding: codec.encodeServerBytes(Self.pong($0)), as: UTF8.self) })
        #expect(flushes == 1, "one flush for the batch, not one per frame")
        #expect(transport.queuedCount == 0)
        // A later frame is a batch of its own.
        #expect(transport.send(Self.pong(4)))
        let later = try await Self.onLoop(channel) { (outbound.payloads.count, outbound.flushes) }
        #expect(later == (4, 2))
    }

    /// While the socket's buffer is past its high-water mark (the channel not writable: a peer that does not read),
    /// the frames stay queued and count against the limit; the channel becoming writable drains them in order.
    @Test func framesTheSocketCannotTakeWaitForWritabilityAndCountAgainstTheLimit() async throws {
        let (transport, channel, outbound) = try await Self.make(capacity: 2)
        #expect(transport.send(Self.pong(1)))
        #expect(try await Self.onLoop(channel) { outbound.payloads.count } == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(transport.send(Self.pong(2)) && transport.send(Self.pong(3)))
        _ = try await Self.onLoop(channel) { outbound.payloads.count }  // the drain ran and wrote nothing
        #expect(try await Self.onLoop(channel) { outbound.payloads.count } == 1)
        #expect(transport.queuedCount == 2)
        #expect(!transport.send(Self.pong(4)), "a peer that does not read fills the limit: the node closes with 1013")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        let (payloads, flushes) = try await Self.onLoop(channel) { (outbound.payloads, outbound.flushes) }
        let codec = WireCodec()
        #expect(payloads == (1...3).map { String(decoding: codec.encodeServerBytes(Self.pong($0)), as: UTF8.self) })
        #expect(flushes == 2, "the frames held back go out as one batch")
        #expect(transport.queuedCount == 0)
        #expect(transport.send(Self.pong(4)))
        #expect(try await Self.onLoop(channel) { outbound.payloads.count } == 4)
    }

    /// A close hands the queued frames to the channel even when it is not writable (the close frame goes after them).
    @Test func aCloseHandsOverFramesTheSocketCouldNotTakeYet() async throws {
        let (transport, channel, outbound) = try await Self.make(capacity: 8)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(transport.send(Self.pong(1)) && transport.send(Self.pong(2)))
        #expect(try await Self.onLoop(channel) { outbound.payloads.count } == 0)
        transport.close(code: 1001, reason: "server shutting down")
        #expect(await transport.next() == .close(code: 1001, reason: "server shutting down"))
        #expect(try await Self.onLoop(channel) { outbound.payloads.count } == 2)
    }

    @Test func theCloseComesAfterTheFramesQueuedBeforeIt() async throws {
        let (transport, channel, outbound) = try await Self.make(capacity: 8)
        let gate = DispatchSemaphore(value: 0)
        channel.eventLoop.execute { gate.wait() }
        #expect(transport.send(Self.pong(1)) && transport.send(Self.pong(2)))
        transport.close(code: 1001, reason: "bye")
        #expect(transport.send(Self.pong(3)), "a frame after the close request is moot, not a failure")
        async let item = transport.next()
        gate.signal()
        #expect(await item == .close(code: 1001, reason: "bye"))
        // By the time the close is handed back, the frames before it are with the channel (and nothing after).
        #expect(try await Self.onLoop(channel) { outbound.payloads.count } == 2)
        #expect(await transport.next() == nil)
    }

    @Test func aSlowConsumerCloseDiscardsTheQueueAndFinishEndsTheWriter() async throws {
        let (transport, channel, outbound) = try await Self.make(capacity: 8)
        let gate = DispatchSemaphore(value: 0)
        channel.eventLoop.execute { gate.wait() }
        #expect(transport.send(Self.pong(1)))
        transport.close(code: 1013, reason: "slow")
        gate.signal()
        #expect(await transport.next() == .close(code: 1013, reason: "slow"))
        #expect(try await Self.onLoop(channel) { outbound.payloads.count } == 0)
        let other = try await Self.make(capacity: 8).0
        async let ended = other.next()
        other.finish()
        #expect(await ended == nil)
    }

    /// The native socket keeps no writer task: a close request runs the handler once, in a task of its own, after
    /// the frames queued before it were handed to the channel; a handler registered after the request runs at once.
    @Test func aCloseHandlerRunsOnceAfterTheFramesQueuedBeforeIt() async throws {
        let (transport, channel, outbound) = try await Self.make(capacity: 8)
        let (closes, report) = AsyncStream.makeStream(of: (Int, String, Int).self)
        transport.whenCloseRequested { code, reason in
            let written = (try? await Self.onLoop(channel) { outbound.payloads.count }) ?? -1
            report.yield((code, reason, written))
        }
        let gate = DispatchSemaphore(value: 0)
        channel.eventLoop.execute { gate.wait() }
        #expect(transport.send(Self.pong(1)) && transport.send(Self.pong(2)))
        transport.close(code: 1001, reason: "bye")
        transport.close(code: 4408, reason: "a second request is ignored")
        #expect(transport.send(Self.pong(3)), "a frame after the close request is moot, not a failure")
        gate.signal()
        var iterator = closes.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.0 == 1001 && first?.1 == "bye")
        #expect(first?.2 == 2, "the two frames queued before the close are with the channel before the handler runs")

        let (late, _, _) = try await Self.make(capacity: 8)
        late.close(code: 1013, reason: "slow")
        late.whenCloseRequested { code, reason in report.yield((code, reason, 0)) }
        let second = await iterator.next()
        #expect(second?.0 == 1013 && second?.1 == "slow")
        report.finish()
        #expect(await iterator.next() == nil, "each close handler ran once")
    }

    /// The connection ending (`finish`) cancels a close handler still waiting out its grace.
    @Test func finishCancelsARunningCloseHandler() async throws {
        let (transport, _, _) = try await Self.make(capacity: 8)
        let (events, report) = AsyncStream.makeStream(of: String.self)
        transport.whenCloseRequested { _, _ in
            report.yield("started")
            let slept = (try? await Task.sleep(for: .seconds(600))) != nil
            report.yield(slept ? "slept" : "cancelled")
        }
        transport.close(code: 4408, reason: "heartbeat timeout")
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == "started")
        transport.finish()
        #expect(await iterator.next() == "cancelled")
    }
}
