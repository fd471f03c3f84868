import Logging
import ServiceLifecycle
import TandemEngine

/// Runs the collaboration node inside the server's `ServiceGroup`: starts it, and on graceful shutdown
/// refuses new sockets, lets the node close every connection with 1001, and waits (bounded) until the
/// goodbyes are written — before the HTTP server itself is stopped.
struct NodeService: Service {
    let context: ServerContext

    func run() async throws {
        try await context.node.start()
        try? await gracefulShutdown()
        context.tracker.startDraining()
        context.logger.info("shutting down: closing \(context.tracker.openCount) sockets with 1001")
        await context.node.shutdown()
        let drained = await context.tracker.waitUntilEmpty(
            timeout: context.configuration.shutdownGrace,
            clock: context.clock
        )
        if !drained {
            context.logger.warning("\(context.tracker.openCount) sockets still open after the shutdown grace period")
        }
    }
}
