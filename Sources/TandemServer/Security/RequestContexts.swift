import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The HTTP request context: Hummingbird's basic one plus the client's address (login throttling and
/// audit entries are per address).
public struct TandemRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text (`unknown` when the transport has none).
    public var clientAddress: String { Self.describe(remoteAddress) }

    static func describe(_ address: SocketAddress?) -> String {
        address?.ipAddress ?? "unknown"
    }
}

/// The `/ws` upgrade context: Hummingbird's basic WebSocket one plus the client's address (per-address
/// socket limits).
public struct TandemWebSocketRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let remoteAddress: SocketAddress?
    /// The connection's channel (after the upgrade, the WebSocket's): frames are written to it directly.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    public var clientAddress: String { TandemRequestContext.describe(remoteAddress) }
}
