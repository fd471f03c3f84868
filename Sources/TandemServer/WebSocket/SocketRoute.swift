import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Serves one upgraded socket: its frames in and out, the upgrade request, the client's address and the socket's
/// channel.
typealias SocketHandler =
    @Sendable (WebSocketInboundStream, WebSocketOutboundWriter, Request, String, any Channel) async -> Void

extension Router where Context == TandemWebSocketRequestContext {
    /// A WebSocket route as both endpoints (`/ws`, `/socket.io/`) have it: upgraded only when `accepts` holds, from
    /// a permitted origin (a refused one is counted) and while the server is not draining; otherwise the request
    /// goes on to the HTTP router's route of the same path, which says why.
    func socket(
        _ path: String,
        _ context: ServerContext,
        accepts: @escaping @Sendable (Request) -> Bool = { _ in true },
        handler: @escaping SocketHandler
    ) {
        ws(RouterPath(path)) { request, _ in
            guard accepts(request) else { return .dontUpgrade }
            guard context.origins.permits(request.headers[values: .origin], host: request.head.authority) else {
                context.statistics.count(.originsRefused)
                return .dontUpgrade
            }
            return context.tracker.isDraining ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, wsContext in
            await handler(
                inbound, outbound, wsContext.request, wsContext.requestContext.clientAddress,
                wsContext.requestContext.channel)
        }
    }
}
