import Hummingbird
import HummingbirdWebSocket
import TandemCore

/// The Socket.IO endpoint's routes: the WebSocket upgrade at `/socket.io/` (Engine.IO v4, `transport=websocket`)
/// and, for every plain HTTP request there (long-polling, a wrong protocol version), Engine.IO's error answer:
/// HTTP 400 with `{"code", "message"}`, the codes Engine.IO servers use (0 transport unknown, 5 unsupported
/// protocol version).
struct SocketIORoutes: Sendable {
    static let path = "/socket.io"
    let context: ServerContext

    /// Why a request to `/socket.io/` cannot become an Engine.IO session; nil when it can.
    func refusal(_ request: Request) -> (code: Int, message: String)? {
        let query = request.uri.queryParameters
        let version = query["EIO"].map(String.init)
        guard version == "4" else {
            return (
                5,
                "Unsupported protocol version: this server speaks Engine.IO 4 (Socket.IO 3 and later clients); "
                    + "got EIO=\(version ?? "<none>")"
            )
        }
        let transport = query["transport"].map(String.init)
        guard transport == "websocket" else {
            return (
                0,
                "Transport unknown: this server speaks Engine.IO over WebSocket only (transport=websocket; got "
                    + "transport=\(transport ?? "<none>")); long-polling is not supported: connect with "
                    + "transports: ['websocket']"
            )
        }
        return nil
    }

    func register(on router: Router<TandemRequestContext>) {
        router.get(RouterPath(Self.path)) { request, _ in refusedHTTP(request) }
        router.post(RouterPath(Self.path)) { request, _ in refusedHTTP(request) }
    }

    func register(on router: Router<TandemWebSocketRequestContext>) {
        let handler = SocketIOHandler(context: context)
        router.socket(Self.path, context, accepts: { refusal($0) == nil }) { inbound, outbound, request, address, channel in
            await handler.run(inbound: inbound, outbound: outbound, request: request, address: address, channel: channel)
        }
    }

    /// Reached for plain HTTP (polling) and for upgrades the WebSocket router declined.
    func refusedHTTP(_ request: Request) -> Response {
        if let refused = refusal(request) {
            return JSONResponse.make(
                .badRequest, .object(["code": .int(refused.code), "message": .string(refused.message)]))
        }
        if !context.origins.permits(request.headers[values: .origin], host: request.head.authority) {
            return JSONResponse.make(
                .forbidden, .object(["code": .int(4), "message": .string("Forbidden: origin not allowed")]))
        }
        if context.tracker.isDraining {
            return JSONResponse.make(
                .serviceUnavailable, .object(["code": .int(3), "message": .string("Bad request: server shutting down")]))
        }
        return JSONResponse.make(
            .badRequest,
            .object([
                "code": .int(3),
                "message": .string("Bad request: /socket.io/?EIO=4&transport=websocket is a WebSocket upgrade"),
            ])
        )
    }
}
