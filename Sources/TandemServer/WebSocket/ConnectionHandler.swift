import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization
import TandemCore
import TandemEngine
import TandemWire

/// Serves one `/ws` connection: the token comes with the upgrade request, each text frame is one protocol
/// message, each queued message one text frame. Admission, authentication and the session itself are
/// `SocketSession`'s, shared with the Socket.IO endpoint.
struct ConnectionHandler: Sendable {
    let session: SocketSession

    init(context: ServerContext) {
        self.session = SocketSession(context: context)
    }

    func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, address: String,
        channel: any Channel
    ) async {
        await session.admitted(address: address, refuse: { await refuse(outbound, $0) }) {
            guard let (user, token) = await authenticated(request, address: address, outbound: outbound) else { return }
            await serve(user: user, token: token, inbound: inbound, outbound: outbound, request: request, channel: channel)
        }
    }

    // The two steps are functions of their own, not inlined: an async frame holds every local of what is inlined
    // into it, and the connection's task keeps its deepest frames' memory for as long as the socket is open, so
    // the authentication's locals must not sit under the reader's wait.

    /// The user the upgrade request's token belongs to and the token; nil once the socket was refused.
    @inline(never)
    private func authenticated(_ request: Request, address: String, outbound: WebSocketOutboundWriter) async
        -> (UserRecord, String)?
    {
        let token = ServerContext.bearerToken(
            authorization: request.headers[.authorization],
            query: request.uri.queryParameters["token"].map(String.init)
        )
        let missing = "no token: send Authorization: Bearer <jwt> or ?token=<jwt>"
        switch await session.authenticate(token: token, address: address, missing: missing) {
        case .success(let user): return (user, token ?? "")
        case .failure(let refusal):
            await refuse(outbound, refusal)
            return nil
        }
    }

    @inline(never)
    private func serve(
        user: UserRecord, token: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        request: Request, channel: any Channel
    ) async {
        let context = session.context
        let served = await session.serve(
            user: user,
            token: token,
            channel: channel,
            // Frames go straight to the socket's event loop, a batch per drain, flushed once (see
            // WebSocketTransport); the writer only writes the close. With deflate they are compressed once per
            // shared frame (WebSocketCompression), unless the client's window needs the writer's compressor.
            channelWriter: Self.channelWriter(channel, tap: await FrameTap.install(in: channel), context: context,
                                              request: request),
            writer: NativeWriter(outbound: outbound, codec: context.codec),
            reader: NativeReader(
                messages: InboundMessageReader(inbound, bytesMax: context.configuration.limits.frameBytesMax)
            )
        )
        if !served { await refuse(outbound, .unauthenticated("invalid or expired token")) }
    }

    /// How the transport writes to `channel` by itself: plain text frames, or with deflate negotiated the shared
    /// compressed frame; nil (every frame through the outbound writer) when only that writer can compress for
    /// this client.
    static func channelWriter(_ channel: any Channel, tap: FrameTap?, context: ServerContext, request: Request)
        -> WebSocketTransport.ChannelWriter?
    {
        let codec = context.codec
        let drains = context.loopDrains.drains(for: channel.eventLoop)
        switch context.compression?.negotiated(request.headers) ?? .off {
        case .off:
            return .init(channel: channel, drains: drains, tap: tap) {
                WebSocketFrame(fin: true, opcode: .text, data: $0.nativeBytes(codec))
            }
        case .shared:
            guard let compression = context.compression else { return nil }
            return .init(channel: channel, drains: drains, tap: tap) {
                $0.nativeEncoding(codec).deflatedFrame(compression)
            }
        case .outboundWriter:
            return nil
        }
    }

    /// PROTOCOL.md: an `error` frame (`unauthenticated` then close 4401, or `rate_limited` then close 4429, a
    /// protocol extension); a draining server closes 1001.
    private func refuse(_ outbound: WebSocketOutboundWriter, _ refusal: SocketSession.Refusal) async {
        if let error = refusal.errorMessage {
            try? await outbound.write(.text(session.context.codec.encodeServer(.error(error))))
        }
        switch refusal {
        case .unauthenticated: try? await outbound.close(.unknown(4401), reason: "unauthenticated")
        case .rateLimited: try? await outbound.close(.unknown(4429), reason: "too many sockets from this address")
        case .shuttingDown: try? await outbound.close(.goingAway, reason: "server shutting down")
        }
    }
}

/// Native frames out: each queued message is its protocol JSON as one text frame.
struct NativeWriter: SessionWriter {
    let outbound: WebSocketOutboundWriter
    let codec: WireCodec

    func write(_ frame: SharedFrame) async throws {
        // Encoded by the first writer that gets to it; every recipient writes the same buffer, and the frame
        // encoder writes the header apart from it (the payload is never copied per recipient).
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame.nativeBytes(codec))))
    }

    func close(code: Int, reason: String) async {
        try? await outbound.close(WebSocketErrorCode(codeNumber: code), reason: reason)
    }
}

extension SharedFrame {
    /// The message's native JSON bytes, encoded once for every recipient (native or Socket.IO) of the frame.
    func nativeBytes(_ codec: WireCodec) -> ByteBuffer {
        nativeEncoding(codec).bytes
    }

    /// The frame's native encoding, made by its first recipient and shared by the others.
    func nativeEncoding(_ codec: WireCodec) -> NativeEncoding {
        encoded { NativeEncoding(bytes: ByteBuffer(bytes: codec.encodeServerBytes($0))) }
    }
}

/// A message's native JSON bytes and, once a recipient that negotiated deflate asks, its compressed text frame:
/// each made once per `SharedFrame`, whatever the number of recipients.
final class NativeEncoding: Sendable {
    let bytes: ByteBuffer
    private let deflated = Mutex<WebSocketFrame?>(nil)

    init(bytes: ByteBuffer) { self.bytes = bytes }

    func deflatedFrame(_ compression: WebSocketCompression) -> WebSocketFrame {
        deflated.withLock { cached in
            if let cached { return cached }
            let frame = compression.textFrame(bytes)
            cached = frame
            return frame
        }
    }
}

/// Native frames in: each text frame is one protocol message.
struct NativeReader: SessionReader {
    var messages: InboundMessageReader

    mutating func run(_ session: SocketSession, connection id: String, transport: WebSocketTransport) async {
        let codec = session.context.codec
        while let message = try? await messages.next() {
            guard case .text(let bytes) = message else {
                await session.reject(from: id, message)
                continue
            }
            await session.deliver(from: id) { () throws(WireError) in try codec.decodeClient(bytes) }
        }
    }
}
