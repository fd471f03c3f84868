import TandemStore
import TandemTestSupport
import Testing

/// Two `tandem-server` processes (node-a, node-b) sharing a fresh PostgreSQL database and a real redis-server on
/// `streamKey`; on failure the servers' logs go into the test's issues. Everything started is stopped.
func withTwoNodes(
    streamKey: String,
    _ body: (_ nodeA: ServerProcess, _ nodeB: ServerProcess, _ redis: TestRedisServer, _ database: PostgresURL)
        async throws -> Void
) async throws {
    try await TestPostgres.withDatabase { database in
        let redis = try TestRedisServer()
        try await redis.start()
        let store = TestPostgres.configURL(database)
        var servers: [ServerProcess] = []
        do {
            for node in ["node-a", "node-b"] {
                let config = TestConfig.node(node, database: store, backplane: redis.url, streamKey: streamKey)
                servers.append(try await ServerProcess.start(config: config))
            }
            try await body(servers[0], servers[1], redis, database)
        } catch {
            for server in servers { Issue.record("\(server.port) log:\n\(server.serverLog.suffix(3_000))") }
            for server in servers { await server.stop() }
            await redis.stop()
            throw error
        }
        for server in servers { await server.stop() }
        await redis.stop()
    }
}
