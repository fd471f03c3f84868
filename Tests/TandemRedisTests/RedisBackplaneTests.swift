import TandemCore
import TandemEngine
import TandemRedis
import Testing
import TandemCoreTestSupport

/// Every test that talks to Redis, one at a time: `CLIENT KILL` and server restarts must not cut into a
/// neighbour, and timing checks must not share the 2 cores with another Redis test.
@Suite(.serialized) struct RedisIntegrationTests {}

extension RedisIntegrationTests {
    @Suite struct RedisBackplaneTests {
        @Test func twoNodesExchangeEnvelopesInOrder() async throws {
            let (a, b) = try TestRedis.twoBackplanes()
            let inboxA = Inbox()
            let inboxB = Inbox()
            try await a.subscribe(node: "node-a", deliver: inboxA.deliver)
            try await b.subscribe(node: "node-b", deliver: inboxB.deliver)
            for number in 1...300 { try await a.publish(Envelopes.numbered(number, from: "node-a")) }
            for number in 1...50 { try await b.publish(Envelopes.numbered(number, from: "node-b")) }
            try await waitUntil("node-b got 300 and node-a got 50") { inboxB.count == 300 && inboxA.count == 50 }
            #expect(inboxB.numbers == Array(1...300))
            #expect(inboxB.all.allSatisfy { $0.origin == "node-a" })
            #expect(inboxA.numbers == Array(1...50))
            #expect(a.metrics.publishedCount == 300 && b.metrics.deliveredCount == 300)
            #expect(b.metrics.lagMillisMax >= 0)
            await a.shutdown()
            await b.shutdown()
        }

        @Test func theBacklogAgeGrowsWhileTheNodeIsBehindAndReturnsToZeroOnceItCaughtUp() async throws {
            let (a, b) = try TestRedis.twoBackplanes()
            let gate = Gate()
            let inboxB = Inbox()
            try await b.subscribe(node: "node-b") { envelope in
                await gate.wait()
                await inboxB.deliver(envelope)
            }
            #expect(b.backlogAgeMillis == 0)
            for number in 1...20 { try await a.publish(Envelopes.numbered(number, from: "node-a")) }
            // The node takes nothing while the gate is shut: the oldest entry it has not been handed ages.
            // (500 ms, so that the lag of the burst's later entries, published up to a busy machine's 200 ms after
            // the first, still clears the 300 ms checked below.)
            try await waitUntil("node-b's backlog is 500 ms old") { b.backlogAgeMillis >= 500 }
            #expect(inboxB.count == 0)

            await gate.open()
            try await waitUntil("node-b got all 20") { inboxB.count == 20 }
            // Idle for longer than one XREAD BLOCK (500 ms here): the gauge stays 0, it does not keep the last lag.
            var samples: [Int64] = []
            for _ in 0..<15 {
                samples.append(b.backlogAgeMillis)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(samples.allSatisfy { $0 == 0 }, "backlog age while idle: \(samples)")
            #expect(b.metrics.lagMillisMax >= 300, "the high-water mark keeps the burst's lag")
            await a.shutdown()
            await b.shutdown()
        }

        @Test func aNodeDoesNotReceiveItsOwnEnvelopes() async throws {
            let (a, b) = try TestRedis.twoBackplanes()
            let inboxA = Inbox()
            try await a.subscribe(node: "node-a", deliver: inboxA.deliver)
            for number in 1...20 { try await a.publish(Envelopes.numbered(number, from: "node-a")) }
            try await b.publish(Envelopes.numbered(99, from: "node-b"))
            try await waitUntil("node-a got node-b's envelope") { inboxA.count >= 1 }
            #expect(inboxA.numbers == [99])
            #expect(a.metrics.ownSkippedCount == 20)
            await a.shutdown()
            await b.shutdown()
        }

        @Test func theDatabaseOfTheURLIsSelected() async throws {
            var endpoint = try TestRedis.endpoint()
            endpoint.database = 3
            let key = TestRedis.uniqueStreamKey()
            let a = RedisBackplane(configuration: TestRedis.configuration(endpoint, key: key))
            try await a.publish(Envelopes.numbered(1, from: "node-a"))
            let side = RedisCommandClient(endpoint: endpoint)
            #expect(try await side.command(["XLEN", key]) == .integer(1))
            endpoint.database = 0
            #expect(try await RedisCommandClient(endpoint: endpoint).command(["XLEN", key]) == .integer(0))
            await a.shutdown()
        }

        @Test func aReaderResumesAfterItsConnectionIsKilledWithNoGapAndNoDuplicate() async throws {
            let endpoint = try TestRedis.endpoint()
            let key = TestRedis.uniqueStreamKey()
            let log = LogLines()
            let a = RedisBackplane(configuration: TestRedis.configuration(endpoint, key: key, log: log))
            // Slow reconnects keep the reader away while the second half is published.
            let b = RedisBackplane(
                configuration: TestRedis.configuration(endpoint, key: key, log: log) {
                    $0.reconnectDelayMin = .milliseconds(400)
                    $0.reconnectDelayMax = .milliseconds(400)
                }
            )
            let inboxB = Inbox()
            try await b.subscribe(node: "node-b", deliver: inboxB.deliver)
            for number in 1...100 { try await a.publish(Envelopes.numbered(number, from: "node-a")) }
            try await waitUntil("node-b got the first 100") { inboxB.count == 100 }
            let side = RedisCommandClient(endpoint: endpoint)
            let killed = try await side.command(["CLIENT", "KILL", "TYPE", "normal"])
            guard case .integer(let count) = killed else {
                throw TimedOut(description: "CLIENT KILL replied \(killed)")
            }
            #expect(count >= 2, "the reader's and the publisher's connections were killed")
            for number in 101...200 { try await a.publish(Envelopes.numbered(number, from: "node-a")) }
            try await waitUntil("node-b got all 200") { inboxB.count >= 200 }
            #expect(inboxB.numbers == Array(1...200))
            #expect(b.metrics.reconnectCount >= 1 && a.metrics.reconnectCount >= 1)
            #expect(b.metrics.gapCount == 0)
            #expect(log.all.contains { $0.contains("reader node-b: reconnected; resuming after") })
            await a.shutdown()
            await b.shutdown()
        }

        @Test func aMalformedStreamEntryIsSkippedAndCounted() async throws {
            let endpoint = try TestRedis.endpoint()
            let key = TestRedis.uniqueStreamKey()
            let log = LogLines()
            let a = RedisBackplane(configuration: TestRedis.configuration(endpoint, key: key))
            let b = RedisBackplane(configuration: TestRedis.configuration(endpoint, key: key, log: log))
            let inboxB = Inbox()
            try await b.subscribe(node: "node-b", deliver: inboxB.deliver)
            try await a.publish(Envelopes.numbered(1, from: "node-a"))
            let side = RedisCommandClient(endpoint: endpoint)
            let garbage: [[String]] = [
                ["foo", "bar"],
                ["origin", "node-x", "envelope", "not json at all"],
                ["origin", "node-x", "envelope", #"{"v":2,"origin":"node-x","type":"committed"}"#],
                [
                    "origin", "node-x", "envelope",
                    #"{"v":1,"origin":"node-y","type":"presence","key":{"model":"M","record_id":"1"},"#
                        + #""notice":{"kind":"left","connection":"c"}}"#,
                ],
            ]
            for fields in garbage { _ = try await side.command(["XADD", key, "*"] + fields) }
            _ = try await side.command(bytes: [
                Array("XADD".utf8), Array(key.utf8), [42], Array("origin".utf8), [0xFF, 0xFE],
            ])
            try await a.publish(Envelopes.numbered(2, from: "node-a"))
            try await waitUntil("node-b got both valid envelopes") { inboxB.count >= 2 }
            #expect(inboxB.numbers == [1, 2])
            #expect(b.metrics.malformedCount == 5)
            #expect(log.all.filter { $0.contains("skipped malformed entry") }.count == 5)
            await a.shutdown()
            await b.shutdown()
        }

        @Test func entriesTrimmedBeforeAReaderGotToThemAreReportedAsAGap() async throws {
            let endpoint = try TestRedis.endpoint()
            let key = TestRedis.uniqueStreamKey()
            let log = LogLines()
            let a = RedisBackplane(
                configuration: TestRedis.configuration(endpoint, key: key) { $0.streamLengthMax = 10 }
            )
            let b = RedisBackplane(
                configuration: TestRedis.configuration(endpoint, key: key, log: log) {
                    $0.deliveryQueueCountMax = 1
                }
            )
            let gate = Gate()
            let inboxB = Inbox()
            try await b.subscribe(node: "node-b") { envelope in
                await gate.wait()
                await inboxB.deliver(envelope)
            }
            try await a.publish(Envelopes.numbered(1, from: "node-a"))
            // node-b holds envelope 1 and stops reading; MAXLEN ~ 10 trims whole stream nodes meanwhile.
            for number in 2...1_000 { try await a.publish(Envelopes.numbered(number, from: "node-a")) }
            await gate.open()
            try await waitUntil("node-b got the last envelope") { inboxB.numbers.last == 1_000 }
            let numbers = inboxB.numbers
            #expect(numbers.count < 1_000 && numbers == numbers.sorted() && Set(numbers).count == numbers.count)
            #expect(b.metrics.gapCount >= 1)
            let missed = log.all.compactMap { line -> Int? in
                guard line.contains("were trimmed before they were read") else { return nil }
                return line.split(separator: " ").firstIndex(of: "entries").flatMap {
                    Int(line.split(separator: " ")[$0 - 1])
                }
            }.reduce(0, +)
            #expect(numbers.count + missed == 1_000, "every trimmed entry is accounted for")
            await a.shutdown()
            await b.shutdown()
        }
    }
}

/// Holds callers until opened.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
