import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
import TandemCore
import TandemSim
import TandemWire

/// How live clients reach the nodes: one real WebSocket per connection, on a shared NIO event loop group, to
/// each node's client address (through its fault proxy when the runner manages the cluster).
public final class LiveLinks: ClientLinks {
    /// Where node `index` takes WebSockets.
    public struct Address: Sendable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let addresses: [Address]
    /// Each client's access token, by its place in the scenario (`member.index`; a shard holds some of them).
    let tokens: [Int: String]
    let group: any EventLoopGroup
    let counters: LiveCounters
    /// Where the clients run: the loop their sockets are on.
    let executor: EventLoopTaskExecutor

    init(addresses: [Address], tokens: [Int: String], loop: any EventLoop, counters: LiveCounters) {
        self.addresses = addresses
        self.tokens = tokens
        self.group = loop
        self.counters = counters
        self.executor = EventLoopTaskExecutor(loop)
    }

    public var nodeCount: Int { addresses.count }

    public func connection(from client: SimClient, index: Int, to node: Int) -> any ClientConnection {
        LiveConnection(node: node, address: addresses[node], token: tokens[index] ?? "", links: self)
    }
}

/// What the live transport counts on its own (frames in, bytes in, frames it could not decode).
public final class LiveCounters: Sendable {
    private struct Counts {
        var framesIn = 0
        var bytesIn = 0
        var undecodable = 0
        var connectFailures = 0
        var firstError: String?
    }

    private let counts = Mutex(Counts())

    public init() {}

    func received(bytes: Int) { counts.withLock { $0.framesIn += 1; $0.bytesIn += bytes } }
    func undecodable(_ error: String) {
        counts.withLock { counts in
            counts.undecodable += 1
            if counts.firstError == nil { counts.firstError = error }
        }
    }
    func connectFailed() { counts.withLock { $0.connectFailures += 1 } }

    public var framesIn: Int { counts.withLock { $0.framesIn } }
    public var bytesIn: Int { counts.withLock { $0.bytesIn } }
    public var undecodableFrames: Int { counts.withLock { $0.undecodable } }
    public var connectFailures: Int { counts.withLock { $0.connectFailures } }
    public var firstUndecodable: String? { counts.withLock { $0.firstError } }
}

/// One live client's WebSocket to one node: frames are decoded on the event loop and handed to the client actor in
/// order; the client's messages are encoded and written as masked text frames.
final class LiveConnection: ClientConnection {
    private struct State {
        var channel: (any Channel)?
        /// The client gave the connection up (or it ended): nothing more goes out.
        var shut = false
    }

    let node: Int
    let address: LiveLinks.Address
    let token: String
    let links: LiveLinks
    private let state = Mutex(State())

    init(node: Int, address: LiveLinks.Address, token: String, links: LiveLinks) {
        self.node = node
        self.address = address
        self.token = token
        self.links = links
    }

    func establish(as user: UserIdentity, for client: isolated SimClient) async -> Bool? {
        // The client runs on the loop its socket is on (`ClientEnvironment.executor`), so each frame is handed to it
        // in place, in order, as the loop reads it: no queue and no task hop per frame.
        let connection = self
        let handler = LiveFrameHandler(counters: links.counters) { [client] downlink in
            client.assumeIsolated { client in client.receive(downlink, on: connection) }
        }
        let channel: any Channel
        do {
            channel = try await Self.open(address, token: token, group: links.group, handler: handler)
        } catch {
            links.counters.connectFailed()
            return state.withLock { $0.shut } ? nil : false
        }
        let keep = client.isCurrent(self) && state.withLock { state in
            guard !state.shut else { return false }
            state.channel = channel
            return true
        }
        guard keep else {
            channel.close(promise: nil)
            return nil
        }
        // Frames read before the connection was kept (the node's `connection_confirmed`, say) waited in the
        // handler: the client's replies need the channel.
        channel.eventLoop.execute { handler.start() }
        return true
    }

    func sendToNode(_ message: ClientMessage) {
        guard let channel = state.withLock({ $0.shut ? nil : $0.channel }) else { return }
        Self.write(message, to: channel)
    }

    /// One message as a masked text frame.
    static func write(_ message: ClientMessage, to channel: any Channel) {
        let bytes = WireCodec().encodeClientBytes(message)
        channel.eventLoop.execute {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)
            channel.writeAndFlush(frame, promise: nil)
        }
    }

    /// The socket's local port (how the fault proxy in front of the node knows this connection).
    var localPort: Int? { state.withLock { $0.channel?.localAddress?.port } }

    /// A polite close: a close frame (1000), then the socket closes.
    func hangUp() {
        guard let channel = state.withLock({ state -> (any Channel)? in
            defer { state.shut = true }
            return state.shut ? nil : state.channel
        }) else { return }
        channel.eventLoop.execute {
            var data = channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: .normalClosure)
            let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
            channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// An abrupt end: the socket is reset (SO_LINGER 0), as when a browser's network drops; the node gets no close
    /// frame.
    func shutDown() {
        guard let channel = state.withLock({ state -> (any Channel)? in
            defer { state.shut = true }
            return state.shut ? nil : state.channel
        }) else { return }
        channel.eventLoop.execute { resetAndClose(channel) }
    }

    // MARK: Opening

    /// Opens a WebSocket to `address` with `token`; its frames go to `handler`.
    static func open(
        _ address: LiveLinks.Address, token: String, group: any EventLoopGroup, handler: LiveFrameHandler
    ) async throws -> any Channel {
        try await WebSocketDialer.open(host: address.host, port: address.port, path: "/ws?token=\(token)",
                                       group: group) { channel in
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }
}

/// Decodes a live connection's frames on its event loop and hands them, in order, to the client (`deliver`, which
/// runs the client's `receive` in place); until `start()` they wait.
final class LiveFrameHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked Sendable: every member is used on the channel's event loop only — the pipeline calls the handler
    // there, and `start()` is sent there with `execute` — so nothing is shared between threads.
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let counters: LiveCounters
    private let deliver: (Downlink) -> Void
    /// Frames read before `start()`; nil once started.
    private var waiting: [Downlink]? = []
    private var fragments = WebSocketMessageAssembler()
    private var closeSeen = false

    /// `waits`: frames wait for `start()` (else they are handed over from the first).
    init(counters: LiveCounters, waits: Bool = true, deliver: @escaping (Downlink) -> Void) {
        self.counters = counters
        self.waiting = waits ? [] : nil
        self.deliver = deliver
    }

    /// Hands over what waited, and every frame from now on as it is read.
    func start() {
        guard let waiting else { return }
        self.waiting = nil
        for downlink in waiting { deliver(downlink) }
    }

    private func forward(_ downlink: Downlink) {
        if waiting != nil { waiting!.append(downlink) } else { deliver(downlink) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .continuation:
            guard let data = fragments.message(frame, allocator: context.channel.allocator) else { return }
            counters.received(bytes: data.readableBytes)
            do {
                forward(.message(try WireCodec().decodeServer(data.readableBytesView)))
            } catch {
                counters.undecodable("\(error): \(String(buffer: data).prefix(200))")
            }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self).map(Int.init) ?? 1005
            if !closeSeen {
                closeSeen = true
                forward(.closed(code: code))
            }
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closeSeen {
            closeSeen = true
            forward(.closed(code: 1006))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
