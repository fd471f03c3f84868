import Hummingbird
import TandemCore

/// `GET /healthz`, `GET /metrics`, and the plain-HTTP answer for `/ws` when the upgrade was refused.
struct SystemRoutes: Sendable {
    let context: ServerContext

    func register(on router: Router<TandemRequestContext>) {
        router.get("/healthz") { _, _ in await health() }
        router.get("/metrics") { _, _ in await metrics() }
        router.get("/ws") { request, _ in refusedUpgrade(request) }
    }

    func health() async -> Response {
        let draining = context.tracker.isDraining
        return JSONResponse.make(
            draining ? .serviceUnavailable : .ok,
            .object([
                "status": .string(draining ? "draining" : "ok"), "node_id": .string(context.configuration.nodeID),
                "connections": .int(await context.node.connectionCount), "protocol": .int(1),
            ])
        )
    }

    func metrics() async -> Response {
        let node = context.node
        let text = PrometheusExposition.render(
            node: await node.metrics,
            connections: await node.connectionCount,
            sessions: await node.sessionCount,
            sockets: context.tracker.openCount,
            statistics: context.statistics,
            backplaneLagSeconds: await context.backplane.lagSeconds(),
            loginLockouts: context.throttle.lockedCount,
            passwordChecksQueued: context.passwordGate.queued
        )
        return JSONResponse.text(.ok, text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// Reached only when the WebSocket router declined the upgrade: a foreign origin, draining, or plain HTTP.
    func refusedUpgrade(_ request: Request) -> Response {
        if !context.origins.permits(request.headers[values: .origin], host: request.head.authority) {
            return JSONResponse.error(.forbidden, "origin \(request.headers[values: .origin]) is not allowed")
        }
        if context.tracker.isDraining { return JSONResponse.error(.serviceUnavailable, "server shutting down") }
        return JSONResponse.error(.upgradeRequired, "/ws speaks WebSocket only (see PROTOCOL.md)")
    }
}
