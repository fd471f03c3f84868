import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import TandemCore
import TandemEngine
import TandemWire

/// Serves one `/ws` connection: authenticates it, registers a `WebSocketTransport` with the node, and runs
/// a writer (queue → socket) and a reader (socket → node) until either side closes.
///
/// A close requested by the node (1001 shutdown, 1008 abuse, 1013 slow consumer, 4408 heartbeat) is written
/// after the queued frames; the reader then waits for the peer's close reply, bounded by `closeGrace`, so a
/// peer that stopped reading cannot hold the handler open.
struct ConnectionHandler: Sendable {
    let context: ServerContext
    /// How long after a close request the connection is torn down even if the peer never answers.
    var closeGrace: Duration = .seconds(3)

    func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, address: String,
        channel: any Channel
    ) async {
        guard context.tracker.open() else {
            try? await outbound.close(.goingAway, reason: "server shutting down")
            return
        }
        defer { context.tracker.closed() }
        if let refusal = context.addresses.admit(address) {
            await refuse(outbound, refusal, address: address)
            return
        }
        defer { context.addresses.release(address) }
        let token = ServerContext.bearerToken(
            authorization: request.headers[.authorization],
            query: request.uri.queryParameters["token"].map(String.init)
        )
        guard let token, let user = await context.tokens.authenticate(accessToken: token) else {
            let message =
                token == nil ? "no token: send Authorization: Bearer <jwt> or ?token=<jwt>" : "invalid or expired token"
            await refuse(outbound, message: message)
            await context.audit.socketRefused(address: address, reason: "unauthenticated: \(message)")
            return
        }
        // Frames go straight to the socket's event loop, a batch per drain, flushed once (see WebSocketTransport);
        // each is encoded by the first connection that writes it, and every recipient writes the same buffer.
        let codec = context.codec
        let transport = WebSocketTransport(
            capacity: context.configuration.limits.outboundQueueCountMax,
            writer: .init(channel: channel) { ByteBuffer(bytes: codec.encodeServerBytes($0)) })
        context.sockets.add(user: user.id, transport)
        defer { context.sockets.remove(user: user.id, transport) }
        // A revocation that landed between the token check and the registration above found no socket to
        // close: check again now that the socket is registered.
        guard await context.tokens.authenticate(accessToken: token) != nil else {
            await refuse(outbound, message: "invalid or expired token")
            return
        }
        let id = await context.node.connect(user: user.identity, transport: transport)
        context.logger.debug("connected", metadata: ["connection": "\(id)", "user": "\(user.username)"])
        await withTaskGroup(of: Void.self) { group in
            // The reader runs in this task and one task beside it (every task costs memory on every idle socket):
            // it writes the close the node asks for (the frames go out by themselves), then gives the peer
            // `closeGrace` to answer before closing the socket, which ends the reader.
            group.addTask {
                await writeLoop(transport, outbound)
                await transport.closeRequested()
                guard (try? await context.clock.sleep(for: closeGrace)) != nil else { return }
                channel.close(promise: nil)
            }
            await readLoop(inbound, connection: id)
            transport.finish()
            group.cancelAll()
        }
        transport.finish()
        await context.node.disconnect(id)
        context.logger.debug("disconnected", metadata: ["connection": "\(id)"])
    }

    /// PROTOCOL.md: an `unauthenticated` error frame, then close 4401.
    private func refuse(_ outbound: WebSocketOutboundWriter, message: String) async {
        context.statistics.count(.unauthenticatedSockets)
        let frame = context.codec.encodeServer(.error(ErrorMessage(code: .unauthenticated, message: message, rid: nil)))
        try? await outbound.write(.text(frame))
        try? await outbound.close(.unknown(4401), reason: "unauthenticated")
    }

    /// A per-address limit: a `rate_limited` error frame, then close 4429 (a protocol extension).
    private func refuse(_ outbound: WebSocketOutboundWriter, _ refusal: AddressLimiter.Refusal, address: String)
        async
    {
        let limits = context.configuration.limits
        let message: String
        switch refusal {
        case .openLimit:
            context.statistics.count(.socketsRefusedOpenLimit)
            message = "too many open sockets from \(address) (limit \(limits.socketsPerAddressMax)); close one first"
        case .upgradeRate:
            context.statistics.count(.socketsRefusedUpgradeRate)
            message =
                "too many new sockets from \(address) (limit \(limits.socketUpgradesPerSecondPerAddress) per second); "
                + "retry after a second"
        }
        let frame = context.codec.encodeServer(.error(ErrorMessage(code: .rateLimited, message: message, rid: nil)))
        try? await outbound.write(.text(frame))
        try? await outbound.close(.unknown(4429), reason: "too many sockets from this address")
        await context.audit.socketRefused(address: address, reason: refusal.rawValue)
    }

    /// Writes the close the node asks for once the frames before it are with the channel (the transport writes
    /// the frames itself); a transport without a channel writer hands its frames here too.
    private func writeLoop(_ transport: WebSocketTransport, _ outbound: WebSocketOutboundWriter) async {
        let codec = context.codec
        while let item = await transport.next() {
            switch item {
            case .frame(let frame):
                let payload = frame.encoded { ByteBuffer(bytes: codec.encodeServerBytes($0)) }
                do {
                    try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: payload)))
                } catch {
                    transport.finish()
                    return
                }
            case .close(let code, let reason):
                try? await outbound.close(WebSocketErrorCode(codeNumber: code), reason: reason)
                return
            }
        }
    }

    private func readLoop(_ inbound: WebSocketInboundStream, connection id: String) async {
        let limits = context.configuration.limits
        var reader = InboundMessageReader(inbound, bytesMax: limits.frameBytesMax)
        let node = context.node
        while let message = try? await reader.next() {
            switch message {
            case .binary(let byteCount):
                await node.receiveInvalid(
                    code: .invalidMessage,
                    message: "binary frames are not accepted (got \(byteCount) bytes): send JSON text frames",
                    rid: nil,
                    from: id
                )
            case .tooLarge(let byteCount):
                await node.receiveInvalid(
                    code: .tooLarge,
                    message: "message is \(byteCount) bytes, more than the limit of \(limits.frameBytesMax) bytes",
                    rid: nil,
                    from: id
                )
            case .text(let bytes):
                do throws(WireError) {
                    let start = context.clock.nowNanos()
                    let decoded = try context.codec.decodeClient(bytes)
                    let decodedAt = context.clock.nowNanos()
                    context.statistics.stages.observe(.decode, nanos: decodedAt - start)
                    await node.receive(decoded, from: id, arrivedNanos: decodedAt)
                } catch {
                    await node.receiveInvalid(code: error.code, message: error.message, rid: error.rid, from: id)
                }
            }
        }
    }
}
