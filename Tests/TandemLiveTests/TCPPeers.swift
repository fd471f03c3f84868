import NIOCore
import NIOPosix
import Synchronization

/// What a test peer saw: bytes, and whether and how its connection ended.
final class PeerLog: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var closed = false
        var error: String?
        var connections = 0
        var open = 0
        /// The connections that ended (each ends once, though an error and the close both report it).
        var ended: Set<ObjectIdentifier> = []
    }

    private let state = Mutex(State())

    var bytes: [UInt8] { state.withLock { $0.bytes } }
    var closed: Bool { state.withLock { $0.closed } }
    var error: String? { state.withLock { $0.error } }
    var connections: Int { state.withLock { $0.connections } }
    var open: Int { state.withLock { $0.open } }

    func append(_ buffer: ByteBuffer) { state.withLock { $0.bytes += buffer.readableBytesView } }
    func opened() { state.withLock { $0.connections += 1; $0.open += 1 } }
    func ended(_ channel: any Channel, error: (any Error)?) {
        state.withLock { state in
            if let error, state.error == nil { state.error = "\(error)" }
            if state.ended.insert(ObjectIdentifier(channel)).inserted { state.open -= 1 }
            state.closed = true
        }
    }
}

/// Writes back whatever it reads, and logs it.
private final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let log: PeerLog
    init(log: PeerLog) { self.log = log }

    func channelActive(context: ChannelHandlerContext) { log.opened() }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        log.append(buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
    func channelInactive(context: ChannelHandlerContext) { log.ended(context.channel, error: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        log.ended(context.channel, error: error)
        context.close(promise: nil)
    }
}

/// A loopback TCP echo server: the proxy's upstream in these tests.
final class EchoServer: Sendable {
    let port: Int
    let log: PeerLog
    private let channel: any Channel

    static func start() async throws -> EchoServer {
        let log = PeerLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EchoHandler(log: log)) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return EchoServer(port: channel.localAddress!.port!, channel: channel, log: log)
    }

    private init(port: Int, channel: any Channel, log: PeerLog) {
        self.port = port
        self.channel = channel
        self.log = log
    }

    func stop() async { try? await channel.close() }
}

/// Records what a client connection reads.
private final class CollectHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let log: PeerLog
    init(log: PeerLog) { self.log = log }

    func channelActive(context: ChannelHandlerContext) { log.opened() }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { log.append(unwrapInboundIn(data)) }
    func channelInactive(context: ChannelHandlerContext) { log.ended(context.channel, error: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        log.ended(context.channel, error: error)
        context.close(promise: nil)
    }
}

/// A TCP client that logs what it reads.
final class TestClient: Sendable {
    let log: PeerLog
    private let channel: any Channel

    private init(channel: any Channel, log: PeerLog) {
        self.channel = channel
        self.log = log
    }

    static func connect(port: Int) async throws -> TestClient {
        let log = PeerLog()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CollectHandler(log: log)) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return TestClient(channel: channel, log: log)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func close() async { try? await channel.close() }

    /// An abrupt close (SO_LINGER 0): the peer gets a TCP RST.
    func reset() async {
        if let options = channel as? any SocketOptionProvider {
            try? await options.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }

    /// The local port, which the proxy knows this client by.
    var localPort: Int? { channel.localAddress?.port }
}
