import Synchronization
import TandemCore
import TandemEngine
import TandemRedis
import TandemRuntime
import Testing
import TandemCoreTestSupport

extension RedisIntegrationTests {
    /// Two collaboration nodes that share a store and reach each other only through Redis.
    @Suite struct RedisEngineTests {
        static let alice = UserIdentity(id: 1, username: "alice", roles: ["Editor"])
        static let bob = UserIdentity(id: 2, username: "bob", roles: ["Editor"])

        @Test func aChangeOnNodeAReachesAClientOnNodeBInOrder() async throws {
            let endpoint = try TestRedis.endpoint()
            let key = TestRedis.uniqueStreamKey()
            let store = InMemoryEventStore()
            let backplaneA = RedisBackplane(configuration: TestRedis.configuration(endpoint, key: key))
            let backplaneB = RedisBackplane(configuration: TestRedis.configuration(endpoint, key: key))
            let nodeA = try await Self.node("node-a", store: store, backplane: backplaneA)
            let nodeB = try await Self.node("node-b", store: store, backplane: backplaneB)
            let a = RecordingTransport()
            let b = RecordingTransport()
            let idA = await nodeA.connect(user: Self.alice, transport: a)
            let idB = await nodeB.connect(user: Self.bob, transport: b)
            await nodeA.receive(.joinCollaboration(JoinCollaboration(model: "Contact", recordID: 1, rid: 1)), from: idA)
            await nodeB.receive(.joinCollaboration(JoinCollaboration(model: "Contact", recordID: 1, rid: 1)), from: idB)
            try await waitUntil("alice on node-a sees bob join through Redis") {
                a.messages.contains {
                    if case .userJoined(let joined) = $0 { joined.user.username == "bob" } else { false }
                }
            }
            for version in 0..<10 {
                await nodeA.receive(
                    .fieldChange(
                        FieldChange(
                            sessionID: "Contact:1",
                            field: "age",
                            baseVersion: version,
                            edit: .value(.int(version + 1)),
                            rid: .integer(version)
                        )
                    ),
                    from: idA
                )
            }
            try await waitUntil("bob on node-b got version 10") { b.changes.last?.version == 10 }
            #expect(b.changes.map(\.version) == Array(1...10))
            let values = b.changes.map { change -> JSONValue? in
                if case .value(let value) = change.edit { value } else { nil }
            }
            #expect(values == (1...10).map { JSONValue.int($0) })
            #expect(backplaneB.metrics.deliveredCount >= 10 && backplaneA.metrics.publishedCount >= 10)
            #expect(await nodeB.metrics.gapFills == 0, "every change came through Redis, none from the store")
            await nodeA.shutdown()
            await nodeB.shutdown()
            await backplaneA.shutdown()
            await backplaneB.shutdown()
        }

        static func node(
            _ id: String,
            store: InMemoryEventStore,
            backplane: RedisBackplane
        ) async throws -> CollaborationNode {
            let node = CollaborationNode(
                configuration: NodeConfiguration(
                    nodeID: id,
                    heartbeatInterval: .seconds(1),
                    heartbeatTimeout: .seconds(3)
                ),
                environment: NodeEnvironment(clock: SystemClock(), store: store, backplane: backplane, seed: 1)
            )
            try await node.start()
            return node
        }
    }
}

/// A client transport that records what the node sent (the engine tests' twin, for this target).
final class RecordingTransport: ClientTransport {
    private let sent = Mutex<[ServerMessage]>([])

    func send(_ message: ServerMessage) -> Bool {
        sent.withLock { $0.append(message) }
        return true
    }

    func close(code: Int, reason: String) {}

    var messages: [ServerMessage] { sent.withLock { $0 } }

    var changes: [ModelChanged] {
        messages.compactMap { if case .modelChanged(let change) = $0 { change } else { nil } }
    }
}
