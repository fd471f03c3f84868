import Foundation
import TandemEngine
import TandemRedis
import TandemTestSupport
import Testing
import TandemCoreTestSupport

/// `tandem_backplane_lag_seconds` of a real `tandem-server` on a redis-server of the test's own: a burst that the
/// node reads an hour after Redis stamped it is lag only until the node has it; once the backplane is idle the
/// gauge is 0 again, not the last entry's lag.
@Suite(.timeLimit(.minutes(2)))
struct BackplaneLagMetricTests {
    static let streamKey = "tandem:lag-test"

    @Test func theLagGaugeReturnsToZeroWhenTheBackplaneIsIdleAfterALateBurst() async throws {
        let redis = try TestRedisServer()
        try await redis.start()
        var server: ServerProcess?
        do {
            let config = TestConfig.node("node-lag", backplane: redis.url, streamKey: Self.streamKey)
            server = try await ServerProcess.start(config: config)
            try await Self.lateBurst(to: server!, redis: redis)
        } catch {
            if let server { Issue.record("\(server.port) log:\n\(server.serverLog.suffix(3_000))") }
            await server?.stop()
            await redis.stop()
            throw error
        }
        await server?.stop()
        await redis.stop()
    }

    static func lateBurst(to server: ServerProcess, redis: TestRedisServer) async throws {
        // Another node's entries with ids an hour old, written straight into the stream (it is new, so Redis
        // takes explicit ids that far back): the node reads each an hour after its timestamp.
        let hourAgoMillis = Int64(Date().timeIntervalSince1970 * 1_000) - 3_600_000
        let envelope = try BackplaneEnvelope(origin: "node-elsewhere", message: .presenceHeartbeat([])).jsonBytes()
        let side = RedisCommandClient(endpoint: redis.endpoint)
        for sequence in 1...50 {
            let fields = ["XADD", streamKey, "\(hourAgoMillis)-\(sequence)", "origin", "node-elsewhere", "envelope"]
            let reply = try await side.command(bytes: fields.map { Array($0.utf8) } + [envelope])
            guard case .string = reply else { throw TimedOut(description: "XADD answered \(reply)") }
        }
        try await waitUntil("the node to take the burst of 50") {
            try await HTTP.metric("tandem_backplane_messages_in_total", of: server) >= 50
        }
        // Idle for longer than one XREAD BLOCK (2 s): the node has everything, so the gauge says 0 throughout.
        // (It used to report the last entry's lag, here an hour, until the next entry came.)
        var samples: [Double] = []
        for _ in 0..<25 {
            samples.append(try await HTTP.metric("tandem_backplane_lag_seconds", of: server))
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(samples.allSatisfy { $0 == 0 }, "tandem_backplane_lag_seconds while idle: \(samples)")
    }
}
