import NIOCore
import TandemCoreTestSupport
import TandemLive
import TandemRuntime
import TandemScenario
import Testing

/// The live fault proxy against a real echo server over loopback TCP: pass-through, latency per direction,
/// loss as retransmission delay, reset and hold partitions, and seeded replay of the same draws.
@Suite(.timeLimit(.minutes(2)))
struct FaultProxyTests {
    /// An echo server behind a started proxy; both stopped after `body`.
    func withProxy(
        link: LinkSettings = .immediate,
        seed: UInt64 = 7,
        _ body: (FaultProxy, Int, EchoServer) async throws -> Void
    ) async throws {
        let echo = try await EchoServer.start()
        let proxy = FaultProxy(name: "test", upstreamPort: echo.port, link: link, seed: seed)
        let port = try await proxy.start()
        do {
            try await body(proxy, port, echo)
        } catch {
            await proxy.stop()
            await echo.stop()
            throw error
        }
        await proxy.stop()
        await echo.stop()
    }

    /// Sends `bytes` and waits until the echo of all of them (and what came before) is back.
    func roundTrip(
        _ client: TestClient,
        _ bytes: [UInt8],
        echo: EchoServer? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> Duration {
        let clock = ContinuousClock()
        let expected = client.log.bytes.count + bytes.count
        let started = clock.now
        try await client.send(bytes)
        try await waitUntil(
            "\(expected) bytes back (the client has \(client.log.bytes.count), closed \(client.log.closed); the server "
                + "\(echo.map { "has \($0.log.bytes.count)" } ?? "is not watched"))",
            timeout: timeout
        ) { client.log.bytes.count >= expected }
        return clock.now - started
    }

    @Test func bytesPassThroughInOrderBothWays() async throws {
        try await withProxy { proxy, port, echo in
            let client = try await TestClient.connect(port: port)
            var sent: [UInt8] = []
            for index in 0..<200 {
                let chunk = (0..<(1 + index * 37 % 3_000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
                sent += chunk
                try await client.send(chunk)
            }
            try await waitUntil("every byte echoed (sent \(sent.count))") {
                client.log.bytes.count >= sent.count
            }
            #expect(echo.log.bytes == sent, "the server got every byte, in order")
            #expect(client.log.bytes == sent, "and the client got them back, in order")
            #expect(proxy.connectionCount == 1 && proxy.counts.accepted == 1)
            await client.close()
            try await waitUntil("the upstream connection to close") { echo.log.open == 0 }
            try await waitUntil("the proxy to forget the connection") { proxy.connectionCount == 0 }
        }
    }

    @Test(arguments: [FaultProxy.Direction.upstream, .downstream])
    func latencyIsAddedInOneDirection(_ direction: FaultProxy.Direction) async throws {
        try await withProxy { proxy, port, echo in
            let client = try await TestClient.connect(port: port)
            _ = try await roundTrip(client, [1])
            proxy.setLink(LinkSettings(latency: .fixed(.milliseconds(150))), direction: direction)
            let slow = try await roundTrip(client, [2])
            #expect(slow >= .milliseconds(150), "\(slow)")
            let other: FaultProxy.Direction = direction == .upstream ? .downstream : .upstream
            #expect(proxy.drawLog(direction).last == .milliseconds(150))
            #expect(proxy.drawLog(other).last == .zero, "the other direction adds nothing")
            proxy.setSpike(.milliseconds(100), direction: direction)
            let spiked = try await roundTrip(client, [3])
            #expect(spiked >= .milliseconds(250), "\(spiked)")
            #expect(proxy.drawLog(direction).last == .milliseconds(250))
            #expect(echo.log.bytes == [1, 2, 3])
        }
    }

    @Test func lossIsRetransmissionDelayNeverMissingBytes() async throws {
        try await withProxy(link: LinkSettings(latency: .fixed(.zero), loss: 1)) { proxy, port, echo in
            let client = try await TestClient.connect(port: port)
            proxy.setLink(.immediate, direction: .downstream)
            let elapsed = try await roundTrip(client, Array("hello".utf8), echo: echo)
            let retransmits = LinkSettings.retransmitDelay * LinkSettings.retransmitsMax
            #expect(elapsed >= retransmits, "\(elapsed)")
            #expect(proxy.drawLog(.upstream) == [retransmits])
            #expect(client.log.bytes == Array("hello".utf8))
        }
    }

    @Test func theSameSeedDrawsTheSameDelaysAsTheSimulatorsLinkFunction() async throws {
        let link = LinkSettings(latency: .lognormal(median: .milliseconds(2), p99: .milliseconds(9)), loss: 0.2)
        var logs: [[Duration]] = []
        for seed: UInt64 in [42, 42, 43] {
            try await withProxy(link: link, seed: seed) { proxy, port, _ in
                let client = try await TestClient.connect(port: port)
                // One chunk per round trip, so each send is one draw.
                for index in 0..<12 { _ = try await roundTrip(client, [UInt8(index)]) }
                logs.append(proxy.drawLog(.upstream))
            }
        }
        #expect(logs[0].count == 12)
        #expect(logs[0] == logs[1], "same seed, same draws")
        #expect(logs[0] != logs[2], "another seed, other draws")
        var random = SplitMix64.derive(seed: 42, stream: 1)
        let expected = (0..<12).map { _ in link.oneWayDelay(using: &random) }
        #expect(logs[0] == expected, "the simulator's draw function, on the proxy's stream")
    }

    /// The log keeps the last `drawLogMax` draws, oldest first, past its size (it is trimmed as a ring, in place).
    @Test func theDrawLogKeepsTheLastDrawsInOrder() async throws {
        let link = LinkSettings(latency: .lognormal(median: .milliseconds(1), p99: .milliseconds(4)))
        let echo = try await EchoServer.start()
        let proxy = FaultProxy(name: "test", upstreamPort: echo.port, link: link, seed: 5, drawLogMax: 5)
        let port = try await proxy.start()
        let client = try await TestClient.connect(port: port)
        for index in 0..<12 { _ = try await roundTrip(client, [UInt8(index)]) }
        var random = SplitMix64.derive(seed: 5, stream: 1)
        let drawn = (0..<12).map { _ in link.oneWayDelay(using: &random) }
        #expect(proxy.drawLog(.upstream) == Array(drawn.suffix(5)))
        await proxy.stop()
        await echo.stop()
    }

    @Test func aResetPartitionResetsOpenConnectionsAndNewOnesUntilHealed() async throws {
        try await withProxy { proxy, port, echo in
            let client = try await TestClient.connect(port: port)
            _ = try await roundTrip(client, [1])
            proxy.setMode(.reset)
            try await waitUntil("the client's connection to be reset") { client.log.closed }
            try await waitUntil("the upstream connection to be closed too") { echo.log.open == 0 }
            #expect(client.log.error?.contains("reset") == true || client.log.error != nil || client.log.closed)
            // Reset at once: the connect itself may already fail.
            if let during = try? await TestClient.connect(port: port) {
                try await waitUntil("a new connection to be reset at once") { during.log.closed }
            }
            #expect(echo.log.connections == 1, "nothing reached the upstream during the partition")
            proxy.setMode(.pass)
            let after = try await TestClient.connect(port: port)
            _ = try await roundTrip(after, [2], echo: echo)
            #expect(proxy.counts.resets == 2)
        }
    }

    @Test func aHoldPartitionKeepsBytesUntilHealedThenDeliversThemInOrder() async throws {
        try await withProxy { proxy, port, echo in
            let client = try await TestClient.connect(port: port)
            _ = try await roundTrip(client, [1])
            proxy.setMode(.hold)
            try await client.send([2, 3])
            try await client.send([4])
            // Nothing may arrive while held: look for 300 ms (a wait for an absence has no event to wait on).
            try await Task.sleep(for: .milliseconds(300))
            #expect(echo.log.bytes == [1])
            #expect(!client.log.closed)
            proxy.setMode(.pass)
            try await waitUntil("the held bytes to be echoed") { client.log.bytes == [1, 2, 3, 4] }
            #expect(echo.log.bytes == [1, 2, 3, 4])
        }
    }

    /// A `disconnect`: the proxy severs one client's path, then the client's own socket is reset at once, as the live
    /// runner does. The server must hear nothing (the node finds out by heartbeat expiry); when severing was not
    /// awaited, a client reset that reached the proxy first was passed on as a close for some connections.
    @Test func aSeveredClientsOwnResetRightAfterDoesNotReachTheServer() async throws {
        try await withProxy { proxy, port, echo in
            let count = 100
            var clients: [TestClient] = []
            for index in 0..<count {
                let client = try await TestClient.connect(port: port)
                _ = try await roundTrip(client, [UInt8(truncatingIfNeeded: index)])
                clients.append(client)
            }
            try await waitUntil("\(count) upstream connections") { echo.log.open == count }
            // All at once, as a disconnect storm does: the proxy's loop is busy while the clients' resets arrive.
            let severed = await withTaskGroup(of: Bool.self) { group in
                for client in clients {
                    group.addTask {
                        guard let port = client.localPort, await proxy.sever(clientPort: port) else { return false }
                        await client.reset()
                        return true
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(severed == count)
            try await waitUntil("every client to see its connection end") { clients.allSatisfy { $0.log.closed } }
            // The server's sides must stay open: look for 300 ms (a wait for an absence has no event to wait on).
            try await Task.sleep(for: .milliseconds(300))
            #expect(echo.log.open == count, "the server saw \(count - echo.log.open) of the severed connections close")
            #expect(await !proxy.sever(clientPort: 1), "no connection uses port 1")
            // Healed: the held server sides are reset.
            proxy.setMode(.pass)
            try await waitUntil("the severed connections' server sides to be reset") { echo.log.open == 0 }
        }
    }

    @Test func anUnreachableUpstreamResetsTheClient() async throws {
        let echo = try await EchoServer.start()
        let port = echo.port
        await echo.stop()
        let proxy = FaultProxy(name: "nowhere", upstreamPort: port, seed: 1)
        let listening = try await proxy.start()
        // Reset as soon as the upstream refuses: the connect itself may already see it.
        if let client = try? await TestClient.connect(port: listening) {
            try await waitUntil("the client to be closed") { client.log.closed }
        }
        try await waitUntil("the proxy to have taken the connection") { proxy.counts.accepted == 1 }
        #expect(proxy.connectionCount == 0)
        await proxy.stop()
    }
}
