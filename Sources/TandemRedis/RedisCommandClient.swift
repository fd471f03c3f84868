import TandemRuntime
/// A request/response Redis client on a thread of its own, for tools and tests (not the backplane's path).
///
/// Each `command` is one blocking round trip on the actor's dedicated thread, never on the cooperative pool.
/// It connects on first use and after a failure; a failure throws and drops the connection.
package actor RedisCommandClient {
    private let executor = DedicatedThreadExecutor(name: "tandem-redis-command")
    package nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let endpoint: RedisEndpoint
    private var connection: RedisConnection?

    package init(endpoint: RedisEndpoint) {
        RedisBackplane.ignoreSIGPIPE()
        self.endpoint = endpoint
    }

    deinit { executor.shutdown() }

    package func command(_ arguments: [String]) throws -> RedisReply {
        try command(bytes: arguments.map { Array($0.utf8) })
    }

    package func command(bytes arguments: [[UInt8]]) throws -> RedisReply {
        do throws(RedisError) {
            let live: RedisConnection
            if let connection {
                live = connection
            } else {
                live = try RedisConnection(
                    endpoint: endpoint,
                    connectTimeout: .milliseconds(500),
                    ioTimeout: .seconds(5),
                    name: "tandem-command"
                )
                connection = live
            }
            return try live.command(arguments)
        } catch {
            connection = nil
            throw error
        }
    }

    /// Drops the connection (the next command reconnects).
    package func disconnect() { connection = nil }
}
