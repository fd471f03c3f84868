import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Opens client WebSockets on a NIO event loop group: a TCP connection, the HTTP/1.1 upgrade to `/ws?token=…`,
/// then the caller's frame handler on the upgraded channel. The frames are the caller's from the first one on
/// (the node's `connection_confirmed` may share a read with the 101 answer; those bytes go to the WebSocket
/// decoder). Used by the live users (`LiveConnection`) and by `tandem-load`, whose clients handle every frame on
/// their socket's event loop.
public enum WebSocketDialer {
    /// The node did not take the WebSocket: it answered without upgrading, closed first, or never answered.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    private enum Upgrade: Sendable {
        case websocket(any Channel)
        case refused(any Channel)
    }

    /// Connects to `host:port`, upgrades `GET path` (which carries the token, e.g. `/ws?token=…`), and calls
    /// `configure` on the channel's event loop to add the frame handler before any frame is read.
    public static func open(
        host: String, port: Int, path: String, group: any EventLoopGroup,
        configure: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> any Channel {
        let upgrade: EventLoopFuture<Upgrade> = try await ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: 1 << 24) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try configure(channel)
                            return Upgrade.websocket(channel)
                        }
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "\(host):\(port)")
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            channel.eventLoop.makeCompletedFuture { .refused(channel) }
                        })
                    // The node's first frame (connection_confirmed) may share a read with the 101 answer: keep
                    // those bytes for the WebSocket decoder (the default drops them).
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                    pipeline.leftOverBytesStrategy = .forwardBytes
                    let negotiation = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: pipeline)
                    // The negotiation does not fail when the socket closes first (a proxy whose node is down
                    // resets it), nor when nothing answers: both end the attempt here.
                    let result = channel.eventLoop.makePromise(of: Upgrade.self)
                    negotiation.cascade(to: result)
                    channel.closeFuture.whenComplete { _ in
                        result.fail(Refused(description: "the connection closed before the WebSocket upgrade"))
                    }
                    let deadline = channel.eventLoop.scheduleTask(in: .seconds(10)) {
                        result.fail(Refused(description: "no WebSocket upgrade within 10 s"))
                        channel.close(promise: nil)
                    }
                    result.futureResult.whenComplete { _ in deadline.cancel() }
                    return result.futureResult
                }
            }
        switch try await upgrade.get() {
        case .websocket(let channel): return channel
        case .refused(let channel):
            try? await channel.close()
            throw Refused(description: "the node declined the WebSocket upgrade")
        }
    }
}

/// Joins a text message's fragments (a text frame without `fin`, then continuation frames) on a client channel.
public struct WebSocketMessageAssembler {
    private var partial: ByteBuffer?

    public init() {}

    /// The whole message once `frame` (text or continuation) ends one; nil while fragments are still coming.
    public mutating func message(_ frame: WebSocketFrame, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var data = frame.unmaskedData
        guard frame.opcode == .continuation || !frame.fin else { return data }
        if partial == nil { partial = allocator.buffer(capacity: data.readableBytes) }
        partial!.writeBuffer(&data)
        guard frame.fin else { return nil }
        defer { partial = nil }
        return partial
    }
}
