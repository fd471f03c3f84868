import TandemCore
import TandemEngine
import TandemRuntime
import Testing

/// A broker that keeps every envelope it was given and, while `stalled`, does not answer a publish: a Redis that
/// stopped reading (a held link, a full socket buffer). Publishing waits in virtual time, as the node's real one
/// waits for a reply.
actor StallingBackplane: Backplane {
    let clock: any TandemClock
    var stalled = false
    private(set) var published: [BackplaneEnvelope] = []

    init(clock: any TandemClock) { self.clock = clock }

    func stall(_ stalled: Bool) { self.stalled = stalled }

    func publish(_ envelope: BackplaneEnvelope) async throws {
        while stalled { try await clock.sleep(for: .milliseconds(10)) }
        published.append(envelope)
    }

    func subscribe(node: String, deliver: @escaping @Sendable (BackplaneEnvelope) async -> Void) {}
    func unsubscribe(node: String) {}
}

@Suite struct BackplaneLimitTests {
    static func node(
        _ executor: SimExecutor, _ backplane: StallingBackplane, configure: (inout NodeLimits) -> Void
    ) async throws -> CollaborationNode {
        var configuration = NodeConfiguration(
            nodeID: "node-1", models: .demo, heartbeatInterval: .seconds(1), heartbeatTimeout: .seconds(30))
        configure(&configuration.limits)
        let node = CollaborationNode(
            configuration: configuration,
            environment: NodeEnvironment(clock: executor.clock, store: InMemoryEventStore(), backplane: backplane, seed: 5))
        try await node.start()
        return node
    }

    /// While the broker does not answer, the node's outbox holds at most `backplaneOutboxCountMax` messages: the oldest
    /// are dropped and counted, the node goes on committing and acking, and the newest go out once the broker is back.
    @Test func aStalledBrokerCostsABoundedOutboxAndTheOldestMessagesAreDropped() async throws {
        try await inSimulation { executor in
            let backplane = StallingBackplane(clock: executor.clock)
            await backplane.stall(true)
            let node = try await Self.node(executor, backplane) { $0.backplaneOutboxCountMax = 5 }
            let a = await TestClient.connect(Users.alice, to: node)
            await a.join()
            try await executor.clock.sleep(for: .milliseconds(1))  // the publisher takes the join's notice and stalls
            for version in 0..<30 { await a.change("age", value: .int(version), base: version) }
            #expect(a.drain().acks.map(\.version) == Array(1...30), "the node goes on committing and acking")
            let out = await node.metrics.backplaneOut
            #expect(out >= 31, "a join and 30 commits were published")
            // One message is in the broker's hands (the publish that stalled); five wait; the rest were dropped.
            #expect(await node.metrics.backplaneOutboxDropped == out - 1 - 5)
            await backplane.stall(false)
            try await executor.clock.sleep(for: .milliseconds(100))
            let published = await backplane.published
            #expect(published.count == 6)
            let versions = published.compactMap { envelope -> Int? in
                if case .committed(let change) = envelope.message { change.version } else { nil }
            }
            #expect(versions == Array(26...30), "the newest five waited, in order: \(published.map(\.message))")
            await node.shutdown()
        }
    }

    /// A node holding more sessions than `heartbeatSessionsPerMessageMax` sends its heartbeat as several messages,
    /// none over the limit, that together name every session.
    @Test func aHeartbeatOfManySessionsIsSplitIntoBoundedMessages() async throws {
        try await inSimulation { executor in
            let backplane = StallingBackplane(clock: executor.clock)
            let node = try await Self.node(executor, backplane) { $0.heartbeatSessionsPerMessageMax = 2 }
            let a = await TestClient.connect(Users.alice, to: node)
            for record in 1...5 { await a.join("Contact", .integer(record)) }
            try await executor.clock.sleep(for: .milliseconds(1_500))
            let heartbeats = await backplane.published.compactMap { envelope -> [PresenceHeartbeatSession]? in
                if case .presenceHeartbeat(let sessions) = envelope.message { sessions } else { nil }
            }
            // Each first join asked the other nodes once (one session each); the rest is the periodic heartbeat.
            let queries = heartbeats.filter { $0.allSatisfy(\.query) }
            #expect(queries.map { $0.map(\.key.recordID) } == [["1"], ["2"], ["3"], ["4"], ["5"]])
            let beats = heartbeats.filter { $0.allSatisfy { !$0.query } }
            #expect(beats.count + queries.count == heartbeats.count)
            #expect(beats.map(\.count) == [2, 2, 1])
            #expect(beats.flatMap { $0.map(\.key.recordID) }.sorted() == ["1", "2", "3", "4", "5"])
            #expect(beats.flatMap { $0.flatMap(\.entries) }.allSatisfy { $0.user.username == "alice" })
            await node.shutdown()
        }
    }
}
