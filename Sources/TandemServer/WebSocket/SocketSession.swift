import Hummingbird
import HummingbirdWebSocket
import NIOCore
import TandemCore
import TandemEngine
import TandemWire

/// How one kind of socket writes what the node queued for its client: the native `/ws` frames or Socket.IO
/// packets. Called from the session's single writer task.
protocol SessionWriter: Sendable {
    /// Writes one queued message; throws once the socket is gone.
    func write(_ frame: SharedFrame) async throws
    /// Closes the socket with a WebSocket close code (the node's 1001, 1008, 1013, 4401, 4408).
    func close(code: Int, reason: String) async
}

/// How one kind of socket reads its client's messages into the node, until the peer closes or the task is
/// cancelled. It hands each message to `SocketSession.deliver` (or `reject`), so both kinds go through one path.
protocol SessionReader: SendableMetatype {
    mutating func run(_ session: SocketSession, connection id: String, transport: WebSocketTransport) async
}

/// The part of serving a socket that the native `/ws` endpoint and the Socket.IO endpoint share: admission
/// (draining, per-address limits), token authentication, registration with the node and with the user's
/// sockets (for revocation), the writer (queue → socket), the reader (socket → node) and the bounded close.
///
/// A close requested by the node (1001 shutdown, 1008 abuse, 1013 slow consumer, 4408 heartbeat) is written
/// after the queued frames; from the request on, the peer has `closeGrace` to answer it before the socket is
/// closed, so a peer that stopped reading cannot hold the handler open (not even while the close frame itself
/// waits for room in the socket).
struct SocketSession: Sendable {
    let context: ServerContext
    /// How long after a close request the connection is torn down even if the peer never answers.
    var closeGrace: Duration = .seconds(3)

    /// Why a socket is turned away before it reaches the node.
    enum Refusal: Error, Sendable {
        /// Not authenticated (PROTOCOL.md: `unauthenticated`, close 4401).
        case unauthenticated(String)
        /// Past a per-address limit (`rate_limited`, close 4429).
        case rateLimited(String)
        /// The server is draining.
        case shuttingDown

        var errorMessage: ErrorMessage? {
            switch self {
            case .unauthenticated(let message): ErrorMessage(code: .unauthenticated, message: message, rid: nil)
            case .rateLimited(let message): ErrorMessage(code: .rateLimited, message: message, rid: nil)
            case .shuttingDown: nil
            }
        }
    }

    /// Runs `body` when the server is not draining and `address` is within its limits; otherwise hands the
    /// refusal to `refuse` (after counting and auditing it).
    func admitted(
        address: String,
        refuse: (Refusal) async -> Void,
        _ body: () async -> Void
    ) async {
        guard context.tracker.open() else {
            await refuse(.shuttingDown)
            return
        }
        defer { context.tracker.closed() }
        if let refusal = context.addresses.admit(address) {
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
            await refuse(.rateLimited(message))
            await context.audit.socketRefused(address: address, reason: refusal.rawValue)
            return
        }
        defer { context.addresses.release(address) }
        await body()
    }

    /// The user a token belongs to, or the `unauthenticated` refusal (counted and audited) naming what was wrong.
    func authenticate(token: String?, address: String, missing: String) async -> Result<UserRecord, Refusal> {
        if let token, let user = await context.tokens.authenticate(accessToken: token) { return .success(user) }
        let message = token == nil ? missing : "invalid or expired token"
        context.statistics.count(.unauthenticatedSockets)
        await context.audit.socketRefused(address: address, reason: "unauthenticated: \(message)")
        return .failure(.unauthenticated(message))
    }

    /// Connects an authenticated user to the node and serves the socket until either side closes.
    /// `onConnected` runs once the node accepted the connection, before anything queued for it is written
    /// (Socket.IO answers the namespace CONNECT there); `companion`, if given, runs beside the reader and the
    /// writer (Socket.IO's pinger) and is cancelled with them. With a `channelWriter` the transport writes the
    /// frames to the socket's event loop itself and `writer` only writes the close. Returns false when the user's
    /// tokens were revoked meanwhile (nothing was served; the caller refuses the socket).
    ///
    /// Every task costs memory on every idle socket, so the reader runs in the caller's task. With a channel writer
    /// and no companion (the native `/ws`) nothing else runs until the node requests a close: then one task writes
    /// it and, beside that write, gives the peer `closeGrace` to answer before closing `channel`, which ends the
    /// reader. Otherwise a writer task and a grace task run beside the reader: a writer stuck behind a peer that
    /// does not read must not hold back the deadline.
    func serve<Reader: SessionReader>(
        user: UserRecord,
        token: String,
        channel: any Channel,
        channelWriter: WebSocketTransport.ChannelWriter? = nil,
        writer: some SessionWriter,
        reader: sending Reader,
        onConnected: (String) async -> Void = { _ in },
        companion: (@Sendable (String, WebSocketTransport) async -> Void)? = nil
    ) async -> Bool {
        let transport = WebSocketTransport(
            capacity: context.configuration.limits.outboundQueueCountMax, writer: channelWriter)
        context.sockets.add(user: user.id, transport)
        defer { context.sockets.remove(user: user.id, transport) }
        // A revocation that landed between the token check and the registration above found no socket to
        // close: check again now that the socket is registered.
        guard await context.tokens.authenticate(accessToken: token) != nil else {
            context.statistics.count(.unauthenticatedSockets)
            return false
        }
        let id = await context.node.connect(user: user.identity, transport: transport)
        context.logger.debug("connected", metadata: ["connection": "\(id)", "user": "\(user.username)"])
        await onConnected(id)
        let session = self
        var reader = reader
        if channelWriter != nil, companion == nil {
            // The frames go out by themselves; a close requested by the node gets a task of its own then.
            transport.whenCloseRequested { code, reason in
                // The grace runs beside the close's write, not after it: that write waits while the channel is
                // unwritable, and a peer that stopped reading for good must not keep its socket open.
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await writer.close(code: code, reason: reason) }
                    await session.closeAfterGrace(channel)
                }
            }
            await reader.run(session, connection: id, transport: transport)
        } else {
            await serveWithTasks(
                connection: id, transport: transport, channel: channel, writer: writer, reader: reader,
                companion: companion)
        }
        transport.finish()
        await context.node.disconnect(id)
        context.logger.debug("disconnected", metadata: ["connection": "\(id)"])
        return true
    }

    /// `serve`'s reader with a writer task (and `companion`) beside it. Not inlined into `serve`: the native
    /// socket's frame stays free of this path's task group for as long as its connection lives.
    @inline(never)
    private func serveWithTasks<Reader: SessionReader>(
        connection id: String, transport: WebSocketTransport, channel: any Channel,
        writer: some SessionWriter, reader: sending Reader,
        companion: (@Sendable (String, WebSocketTransport) async -> Void)?
    ) async {
        let session = self
        var reader = reader
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await session.writeLoop(transport, writer) }
            // Beside the writer, which may be stuck behind a peer that does not read.
            group.addTask {
                await transport.closeRequested()
                await session.closeAfterGrace(channel)
            }
            if let companion {
                group.addTask { await companion(id, transport) }
            }
            await reader.run(session, connection: id, transport: transport)
            transport.finish()
            group.cancelAll()
        }
    }

    /// Closes `channel` once the peer has had `closeGrace` to answer a close; returns early when cancelled (the
    /// connection ended first).
    private func closeAfterGrace(_ channel: any Channel) async {
        guard (try? await context.clock.sleep(for: closeGrace)) != nil else { return }
        channel.close(promise: nil)
    }

    private func writeLoop(_ transport: WebSocketTransport, _ writer: some SessionWriter) async {
        while let item = await transport.next() {
            switch item {
            case .frame(let frame):
                do {
                    try await writer.write(frame)
                } catch {
                    transport.finish()
                    return
                }
            case .close(let code, let reason):
                await writer.close(code: code, reason: reason)
                return
            }
        }
    }

    // MARK: Reading, shared by both readers

    /// Decodes a client message (timing the decode stage) and hands it to the node; a decoding error is
    /// answered as the protocol says (`error` with the code, `rid` echoed when it could be read).
    func deliver(from id: String, _ decode: () throws(WireError) -> ClientMessage) async {
        do throws(WireError) {
            let start = context.clock.nowNanos()
            let decoded = try decode()
            let decodedAt = context.clock.nowNanos()
            context.statistics.stages.observe(.decode, nanos: decodedAt - start)
            await context.node.receive(decoded, from: id, arrivedNanos: decodedAt)
        } catch {
            await context.node.receiveInvalid(code: error.code, message: error.message, rid: error.rid, from: id)
        }
    }

    /// Answers a message that is not one (binary, too large, not a packet of the transport) with an `error`;
    /// repeated, the node closes the connection (1008).
    func reject(from id: String, code: ErrorCode, _ message: String, rid: TandemCore.RequestID? = nil) async {
        await context.node.receiveInvalid(code: code, message: message, rid: rid, from: id)
    }

    /// Reports a socket message the reader could not take whole: binary, or past the frame limit.
    func reject(from id: String, _ message: InboundMessageReader.Message) async {
        let bytesMax = context.configuration.limits.frameBytesMax
        switch message {
        case .binary(let byteCount):
            await reject(
                from: id, code: .invalidMessage,
                "binary frames are not accepted (got \(byteCount) bytes): send JSON text frames")
        case .tooLarge(let byteCount):
            await reject(
                from: id, code: .tooLarge,
                "message is \(byteCount) bytes, more than the limit of \(bytesMax) bytes")
        case .text:
            break
        }
    }
}
