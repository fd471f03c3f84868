import Logging
import ServiceLifecycle
import TandemEngine

/// Hands the node the writes other applications make directly in the database (`origin: "db"`), for as long as the
/// server runs: each announced write makes the record's open session catch up from the change log, and every
/// (re)start of the listening makes every open session catch up, so a write committed while the connection was
/// down is delivered too. A lost connection is retried with a growing pause (up to 5 s), logged once per failure.
struct ExternalWriteService: Service {
    let node: CollaborationNode
    let feed: ExternalWriteFeed
    let logger: Logger

    func run() async throws {
        var pause = Duration.milliseconds(200)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await feed({ [node] in await node.catchUpFromStore() }) { [node] key, version in
                        await node.storeAdvanced(key, to: version)
                    }
                }
                return
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                logger.warning("writes from outside the engine: \(error); listening again in \(pause)")
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }
}
