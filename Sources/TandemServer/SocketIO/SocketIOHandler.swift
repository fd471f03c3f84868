import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization
import TandemCore
import TandemEngine
import TandemWire

/// Serves one Socket.IO connection (Engine.IO v4 over WebSocket, Socket.IO v5, namespace `/collaboration`).
///
/// The Engine.IO `open` packet goes out first; the client then connects the namespace with `{"token": …}`
/// (`40/collaboration,{"token":…}`), answered `40/collaboration,{"sid":<connection id>}` or
/// `44/collaboration,{"message":…}` (the client may try again until the connect timeout, a ping interval plus
/// a ping timeout). From there the connection is a `SocketSession` like a native one: each client event is the
/// protocol message of that type, each queued server message an event of its type or the acknowledgement of
/// the event it answers. The server pings every `pingInterval` (the heartbeat interval); a client that has not
/// answered within `pingTimeout` is closed with 4408, like a silent native connection.
struct SocketIOHandler: Sendable {
    static let namespace = "/collaboration"
    let session: SocketSession
    private let engineSessions = EngineSessionCounter()

    init(context: ServerContext) {
        self.session = SocketSession(context: context)
    }

    var pingInterval: Duration { session.context.configuration.heartbeatInterval }
    /// The rest of the heartbeat timeout: a peer silent for the heartbeat timeout is dropped, as natively.
    var pingTimeout: Duration {
        let configuration = session.context.configuration
        return max(configuration.heartbeatTimeout - configuration.heartbeatInterval, .milliseconds(100))
    }

    func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, address: String,
        channel: any Channel
    ) async {
        let context = session.context
        let sid = "\(context.configuration.nodeID)-e\(engineSessions.next())"
        try? await outbound.write(.text("0" + openPayload(sid: sid)))
        await session.admitted(address: address, refuse: { await refuse(outbound, $0) }) {
            var messages = InboundMessageReader(inbound, bytesMax: context.configuration.limits.frameBytesMax)
            guard let accepted = await handshake(&messages, outbound: outbound, request: request, address: address)
            else { return }
            let (user, token) = accepted
            let state = SocketIOState()
            let served = await session.serve(
                user: user,
                token: token,
                channel: channel,
                writer: SocketIOWriter(outbound: outbound, codec: context.codec, state: state),
                reader: SocketIOReader(messages: messages, outbound: outbound, state: state),
                onConnected: { id in
                    let reply = SocketIOPacket.object(["sid": .string(id)])
                    try? await outbound.write(.text(SocketIOPacket.frameHeader(.connect, namespace: Self.namespace) + reply))
                },
                companion: { id, transport in await ping(outbound, state: state, transport: transport, connection: id) }
            )
            if !served { await refuse(outbound, .unauthenticated("invalid or expired token")) }
        }
    }

    private func openPayload(sid: String) -> String {
        SocketIOPacket.object([
            "sid": .string(sid),
            "upgrades": .array([]),
            "pingInterval": .int(Int(pingInterval.nanosecondsClamped / 1_000_000)),
            "pingTimeout": .int(Int(pingTimeout.nanosecondsClamped / 1_000_000)),
            "maxPayload": .int(session.context.configuration.limits.frameBytesMax),
        ])
    }

    /// Reads packets until the client connects `/collaboration` with a valid token; nil when it closed, or did
    /// not connect within the connect timeout (then the socket is closed).
    private func handshake(
        _ messages: inout InboundMessageReader,
        outbound: WebSocketOutboundWriter,
        request: Request,
        address: String
    ) async -> (UserRecord, String)? {
        let context = session.context
        let deadline = pingInterval + pingTimeout
        return await withTaskGroup(of: Void.self, returning: (UserRecord, String)?.self) { group in
            group.addTask {
                guard (try? await context.clock.sleep(for: deadline)) != nil else { return }
                try? await outbound.close(.policyViolation, reason: "no namespace connected in time")
            }
            defer { group.cancelAll() }
            while let message = try? await messages.next() {
                guard case .text(let bytes) = message, let packet = EngineIOPacket(bytes[...]) else { continue }
                switch packet {
                case .ping(let data):
                    try? await outbound.write(.text("3" + data))
                case .close:
                    return nil
                case .message(let data):
                    guard let packet = try? SocketIOPacket.parse(data), packet.kind == .connect else { continue }
                    guard packet.namespace == Self.namespace else {
                        let message =
                            "this server serves the Socket.IO namespace \(Self.namespace), not \(packet.namespace): "
                            + "connect with io('<server>\(Self.namespace)', {auth: {token}}) "
                            + "(python-socketio: namespaces=['\(Self.namespace)'])"
                        await connectError(outbound, namespace: packet.namespace, message)
                        continue
                    }
                    let token = Self.token(packet.payload, codec: context.codec) ?? Self.requestToken(request)
                    let missing = "no token: connect with the auth payload {\"token\": \"<jwt>\"}"
                    switch await session.authenticate(token: token, address: address, missing: missing) {
                    case .success(let user): return (user, token ?? "")
                    case .failure(let refusal): await refuse(outbound, refusal, close: false)
                    }
                case .open, .pong, .upgrade, .noop:
                    continue
                }
            }
            return nil
        }
    }

    /// `token` from the CONNECT packet's auth object.
    static func token(_ payload: ArraySlice<UInt8>, codec: WireCodec) -> String? {
        guard !payload.isEmpty, let value = try? codec.parseJSON(payload, bytesMax: codec.limits.frameBytesMax),
            case .string(let token)? = value["token"], !token.isEmpty
        else { return nil }
        return token
    }

    /// The upgrade request's `Authorization: Bearer` or `?token=`, as on `/ws` (a client that cannot send auth).
    static func requestToken(_ request: Request) -> String? {
        ServerContext.bearerToken(
            authorization: request.headers[.authorization],
            query: request.uri.queryParameters["token"].map(String.init)
        )
    }

    private func connectError(_ outbound: WebSocketOutboundWriter, namespace: String, _ message: String) async {
        let payload = SocketIOPacket.object(["message": .string(message)])
        try? await outbound.write(.text(SocketIOPacket.frameHeader(.connectError, namespace: namespace) + payload))
    }

    /// A refused namespace connect: `44/collaboration,{"message"}`, and (unless the client may try again) the
    /// close code the native endpoint uses.
    private func refuse(_ outbound: WebSocketOutboundWriter, _ refusal: SocketSession.Refusal, close: Bool = true)
        async
    {
        await connectError(outbound, namespace: Self.namespace, refusal.errorMessage?.message ?? "server shutting down")
        guard close else { return }
        switch refusal {
        case .unauthenticated: try? await outbound.close(.unknown(4401), reason: "unauthenticated")
        case .rateLimited: try? await outbound.close(.unknown(4429), reason: "too many sockets from this address")
        case .shuttingDown: try? await outbound.close(.goingAway, reason: "server shutting down")
        }
    }

    /// Engine.IO's heartbeat: ping every `pingInterval`; no pong within `pingTimeout` closes the connection (4408).
    private func ping(
        _ outbound: WebSocketOutboundWriter, state: SocketIOState, transport: WebSocketTransport, connection id: String
    ) async {
        let clock = session.context.clock
        let expires = !session.context.configuration.brokenNoPresenceExpiry
        while (try? await clock.sleep(for: pingInterval)) != nil {
            state.pingSent()
            guard (try? await outbound.write(.text("2"))) != nil else { return }
            guard (try? await clock.sleep(for: pingTimeout)) != nil else { return }
            if expires, state.awaitingPong {
                session.context.logger.debug("socket.io ping timeout", metadata: ["connection": "\(id)"])
                transport.close(code: 4408, reason: "ping timeout")
                return
            }
        }
    }
}

/// Numbers the Engine.IO sessions of one server (their `sid`s).
final class EngineSessionCounter: Sendable {
    private let count = Atomic<Int>(0)

    func next() -> Int { count.add(1, ordering: .relaxed).newValue }
}

/// What the Socket.IO reader, writer and pinger of one connection share: the events waiting for their
/// acknowledgement and whether the last ping was answered.
final class SocketIOState: Sendable {
    /// The `rid` an event asking for an acknowledgement carries to the node: the node echoes it on the event's
    /// answer, which the writer then sends as that acknowledgement (with the client's own `rid`, if any).
    static let ridPrefix = "socket.io ack "
    /// Events left unanswered (a `resolve_conflict` settled with `remote` answers only with a broadcast) are
    /// forgotten oldest first beyond this many.
    static let pendingMax = 256

    private struct State {
        var pending: [Int: TandemCore.RequestID?] = [:]
        var awaitingPong = false
    }

    private let state = Mutex(State())

    /// Registers an event asking for acknowledgement `ackID`; returns the `rid` to send it to the node with.
    func expect(ackID: Int, clientRID: TandemCore.RequestID?) -> String {
        state.withLock { state in
            if state.pending.count >= Self.pendingMax, let oldest = state.pending.keys.min() {
                state.pending.removeValue(forKey: oldest)
            }
            state.pending[ackID] = clientRID
        }
        return "\(Self.ridPrefix)\(ackID)"
    }

    /// The acknowledgement a reply answers and the client's own `rid`, once; nil for any other message.
    func answered(by rid: TandemCore.RequestID?) -> (ackID: Int, clientRID: TandemCore.RequestID?)? {
        guard case .string(let text)? = rid, text.hasPrefix(Self.ridPrefix),
            let ackID = Int(text.dropFirst(Self.ridPrefix.count))
        else { return nil }
        return state.withLock { state in
            guard let clientRID = state.pending.removeValue(forKey: ackID) else { return nil }
            return (ackID, clientRID)
        }
    }

    func pingSent() { state.withLock { $0.awaitingPong = true } }
    func ponged() { state.withLock { $0.awaitingPong = false } }
    var awaitingPong: Bool { state.withLock { $0.awaitingPong } }
}

/// Socket.IO packets out: a reply to an event that asked for an acknowledgement is that acknowledgement
/// (`43/collaboration,<id>[<message>]`); everything else is an event named by its type
/// (`42/collaboration,["<type>",<message>]`). The message is the native JSON object, `type` included, so one
/// handler can read an answer whether it came as an acknowledgement or an event.
struct SocketIOWriter: SessionWriter {
    let outbound: WebSocketOutboundWriter
    let codec: WireCodec
    let state: SocketIOState

    func write(_ frame: SharedFrame) async throws {
        let namespace = SocketIOHandler.namespace
        var buffer: ByteBuffer
        if let answer = state.answered(by: frame.message.rid) {
            let bytes = codec.encodeServerBytes(frame.message, rid: answer.clientRID)
            let header = SocketIOPacket.frameHeader(.ack, namespace: namespace, ackID: answer.ackID) + "["
            buffer = ByteBuffer()
            buffer.reserveCapacity(header.utf8.count + bytes.count + 1)
            buffer.writeString(header)
            buffer.writeBytes(bytes)
        } else {
            // The native bytes are shared with every other recipient of the frame; only the header is this
            // packet's own.
            let payload = frame.nativeBytes(codec)
            let header = SocketIOPacket.frameHeader(.event, namespace: namespace) + "[\"\(frame.message.typeName)\","
            buffer = ByteBuffer()
            buffer.reserveCapacity(header.utf8.count + payload.readableBytes + 1)
            buffer.writeString(header)
            buffer.writeImmutableBuffer(payload)
        }
        buffer.writeString("]")
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: buffer)))
    }

    func close(code: Int, reason: String) async {
        // A session the server ends for good (abuse, revoked tokens) is disconnected at the Socket.IO level
        // first, so the client does not reconnect; the others (shutdown, slow consumer, ping timeout) close the
        // socket only, and the client reconnects and resyncs.
        if code == 1008 || code == 4401 {
            try? await outbound.write(.text(SocketIOPacket.frameHeader(.disconnect, namespace: SocketIOHandler.namespace)))
        }
        try? await outbound.close(WebSocketErrorCode(codeNumber: code), reason: reason)
    }
}

/// Socket.IO packets in: Engine.IO pongs are heartbeats; each `/collaboration` event is the protocol message
/// named by the event, its one argument the message's members; a namespace DISCONNECT or an Engine.IO close
/// ends the session.
struct SocketIOReader: SessionReader {
    var messages: InboundMessageReader
    let outbound: WebSocketOutboundWriter
    let state: SocketIOState

    /// Messages with no direct answer: an acknowledgement asked for them is not awaited (their errors, if any,
    /// come as `error` events).
    static let unanswered: Set<String> = ["cursor", "leave_collaboration"]

    mutating func run(_ session: SocketSession, connection id: String, transport: WebSocketTransport) async {
        while let message = try? await messages.next() {
            guard case .text(let bytes) = message else {
                await session.reject(from: id, message)
                continue
            }
            guard let packet = EngineIOPacket(bytes[...]) else {
                let shown = bytes.first.map { "\"\(Character(Unicode.Scalar($0)))\"" } ?? "nothing"
                await session.reject(
                    from: id, code: .invalidMessage, "an Engine.IO packet starts with its type 0-6, got \(shown)")
                continue
            }
            switch packet {
            case .pong:
                state.ponged()
                await session.context.node.heard(from: id)
            case .ping(let data):
                try? await outbound.write(.text("3" + data))
            case .close:
                return
            case .message(let data):
                let socketPacket: SocketIOPacket
                do throws(SocketIOPacket.Malformed) {
                    socketPacket = try SocketIOPacket.parse(data)
                } catch {
                    await session.reject(from: id, code: .invalidMessage, error.message)
                    continue
                }
                guard socketPacket.namespace == SocketIOHandler.namespace else { continue }
                switch socketPacket.kind {
                case .event: await event(socketPacket, session: session, connection: id)
                case .disconnect: return
                case .connect, .ack, .connectError, .binaryEvent, .binaryAck: continue
                }
            case .open, .upgrade, .noop:
                continue
            }
        }
    }

    /// `["<type>", {members}]` → the protocol message; with an ack id its `rid` routes the answer back as the ack.
    private func event(_ packet: SocketIOPacket, session: SocketSession, connection id: String) async {
        let codec = session.context.codec
        let state = self.state
        await session.deliver(from: id) { () throws(WireError) in
            let value = try codec.parseJSON(packet.payload, bytesMax: codec.limits.frameBytesMax)
            guard case .array(let arguments) = value, case .string(let type)? = arguments.first else {
                throw WireError(
                    code: .invalidMessage,
                    message: "an event is a JSON array [\"<message type>\", {message}], got \(value.typeName)")
            }
            guard arguments.count <= 2 else {
                throw WireError(
                    code: .invalidMessage,
                    message: "event \"\(type)\" takes one argument, the message object; got \(arguments.count - 1)")
            }
            var members: [String: JSONValue] = [:]
            if arguments.count == 2 {
                guard case .object(let object) = arguments[1] else {
                    throw WireError(
                        code: .invalidMessage,
                        message: "the argument of event \"\(type)\" must be a JSON object, got \(arguments[1].typeName)")
                }
                members = object
            }
            members["type"] = .string(type)
            if let ackID = packet.ackID, !Self.unanswered.contains(type) {
                let clientRID: TandemCore.RequestID? =
                    switch members["rid"] {
                    case .string(let text)?: .string(text)
                    case let value?: value.intValue.map(TandemCore.RequestID.integer)
                    case nil: nil
                    }
                members["rid"] = .string(state.expect(ackID: ackID, clientRID: clientRID))
            }
            return try codec.decodeClient(members: members, type: type)
        }
    }
}
