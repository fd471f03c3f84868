import TandemCore
import TandemEngine
import TandemRedis
import TandemTestSupport
import Testing
import TandemCoreTestSupport

extension RedisIntegrationTests {
    /// Redis going away and coming back, on a redis-server each test starts itself.
    @Suite struct RedisOutageTests {
        @Test func bothSidesReconnectAfterRedisIsKilledAndRestartedAndLaterEnvelopesFlow() async throws {
            _ = try TestRedis.endpoint()
            // With an append-only file, so that the restarted server still holds every acknowledged entry.
            try await TestRedisServer.withServer(persistence: .appendOnlyFile) { server in
                try await restartScenario(server)
            }
        }

        private func restartScenario(_ server: TestRedisServer) async throws {
            let key = TestRedis.uniqueStreamKey()
            let logA = LogLines()
            let logB = LogLines()
            let a = RedisBackplane(configuration: TestRedis.configuration(server.endpoint, key: key, log: logA))
            let b = RedisBackplane(configuration: TestRedis.configuration(server.endpoint, key: key, log: logB))
            let inboxA = Inbox()
            let inboxB = Inbox()
            try await a.subscribe(node: "node-a", deliver: inboxA.deliver)
            try await b.subscribe(node: "node-b", deliver: inboxB.deliver)
            for number in 1...50 { try await a.publish(Envelopes.numbered(number, from: "node-a")) }
            try await waitUntil("node-b got the first 50") { inboxB.count == 50 }

            try await server.kill()
            let clock = ContinuousClock()
            let started = clock.now
            await #expect {
                try await a.publish(Envelopes.numbered(51, from: "node-a"))
            } throws: { ($0 as? BackplaneError)?.code == .unavailable }
            #expect(clock.now - started < .seconds(1), "a publish during the outage fails fast")

            try await server.start()
            // The node would count the failures and go on; here each publish is retried until Redis takes it.
            for number in 51...100 {
                try await waitUntil("Redis accepts envelope \(number)") {
                    (try? await a.publish(Envelopes.numbered(number, from: "node-a"))) != nil
                }
            }
            for number in 1...10 { try await b.publish(Envelopes.numbered(number, from: "node-b")) }
            try await waitUntil("node-b got all 100 and node-a got 10") { inboxB.count >= 100 && inboxA.count >= 10 }
            #expect(inboxB.numbers == Array(1...100), "no gap and no duplicate across the restart (append-only file)")
            #expect(inboxA.numbers == Array(1...10))
            #expect(a.metrics.reconnectCount >= 2 && b.metrics.reconnectCount >= 1, "publisher and reader reconnected")
            #expect(b.metrics.gapCount == 0)
            #expect(logB.all.contains { $0.contains("reader node-b: reconnected") })
            await a.shutdown()
            await b.shutdown()
        }

        @Test func publishWhileRedisIsDownThrowsQuicklyAndASubscriberStartedThenCatchesUp() async throws {
            _ = try TestRedis.endpoint()
            // Not started: nothing listens on its port yet.
            try await TestRedisServer.withServer(persistence: .appendOnlyFile, started: false) { server in
                try await outageScenario(server)
            }
        }

        private func outageScenario(_ server: TestRedisServer) async throws {
            let key = TestRedis.uniqueStreamKey()
            let log = LogLines()
            let a = RedisBackplane(configuration: TestRedis.configuration(server.endpoint, key: key, log: log))
            let inboxA = Inbox()
            let clock = ContinuousClock()
            var started = clock.now
            try await a.subscribe(node: "node-a", deliver: inboxA.deliver)
            #expect(clock.now - started < .seconds(1), "subscribe returns after one failed attempt")
            for _ in 0..<3 {
                started = clock.now
                await #expect {
                    try await a.publish(Envelopes.numbered(1, from: "node-a"))
                } throws: { ($0 as? BackplaneError)?.code == .unavailable }
                #expect(clock.now - started < .milliseconds(500))
            }
            #expect(a.metrics.publishFailedCount == 3 && a.metrics.publishedCount == 0)

            try await server.start()
            let b = RedisBackplane(configuration: TestRedis.configuration(server.endpoint, key: key, log: log))
            try await b.publish(Envelopes.numbered(7, from: "node-b"))
            try await waitUntil("node-a's reader connected and got node-b's envelope") { inboxA.numbers == [7] }
            try await waitUntil("node-a's publisher is back") {
                (try? await a.publish(Envelopes.numbered(8, from: "node-a"))) != nil
            }
            await a.shutdown()
            await b.shutdown()
        }
    }
}
