import Testing
import TandemCore
import TandemEngine
import TandemRuntime

/// Test users: two editors, a viewer and an admin.
enum Users {
    static let alice = UserIdentity(id: 1, username: "alice", roles: ["Editor"])
    static let bob = UserIdentity(id: 2, username: "bob", roles: ["Editor"])
    static let victor = UserIdentity(id: 3, username: "victor", roles: ["Viewer"])
    static let ada = UserIdentity(id: 4, username: "ada", roles: ["Admin"])
}

/// Runs a test body inside the deterministic simulator and fails the test on any simulator failure
/// (an escaped task, work left pending, a hang).
func inSimulation(_ body: @Sendable @escaping (SimExecutor) async throws -> Void) async throws {
    let failure: String? = await SimThread.run {
        let executor = SimExecutor()
        let run = simulate(executor) { try await body(executor) }
        do {
            try run.get()
            return nil
        } catch {
            return "\(error)"
        }
    }
    if let failure { Issue.record("simulation failed: \(failure)") }
}

/// In-process nodes over one in-memory store and backplane.
struct EngineWorld: Sendable {
    let executor: SimExecutor
    let store = InMemoryEventStore()
    let backplane = InMemoryBackplane()
    var models: ModelRegistry = .demo

    init(_ executor: SimExecutor) { self.executor = executor }

    func node(
        _ id: String = "node-1", heartbeat: Duration = .seconds(1), timeout: Duration = .seconds(3), seed: UInt64 = 1,
        configure: (inout NodeConfiguration) -> Void = { _ in }
    ) async throws -> CollaborationNode {
        var configuration = NodeConfiguration(nodeID: id, models: models, heartbeatInterval: heartbeat, heartbeatTimeout: timeout)
        configure(&configuration)
        let node = CollaborationNode(
            configuration: configuration,
            environment: NodeEnvironment(clock: executor.clock, store: store, backplane: backplane, seed: seed))
        try await node.start()
        return node
    }

    /// Lets every ready job and every timer due within `duration` of virtual time run.
    func settle(_ duration: Duration = .milliseconds(1)) async throws {
        try await executor.clock.sleep(for: duration)
    }
}

/// The worlds most tests start from: every user connected (in order), then joined to `Contact:1` (in the same
/// order) unless it is named `connected:`; the body runs in the simulator and the nodes are shut down after it.
extension EngineWorld {
    /// Changes a node's configuration before it starts, as `configure` of `node(…)` does.
    typealias Configure = @Sendable (inout NodeConfiguration) -> Void

    /// One node, `node-1`, with `user` joined.
    static func withNode(
        joined user: UserIdentity, configure: @escaping Configure = { _ in },
        _ body: @escaping @Sendable (EngineWorld, CollaborationNode, TestClient) async throws -> Void
    ) async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node(configure: configure)
            let a = await TestClient.connect(user, to: node)
            await a.join()
            try await body(world, node, a)
            await node.shutdown()
        }
    }

    /// One node, `node-1`, with `first` and `second` joined.
    static func withNode(
        joined first: UserIdentity, _ second: UserIdentity, configure: @escaping Configure = { _ in },
        _ body: @escaping @Sendable (EngineWorld, CollaborationNode, TestClient, TestClient) async throws -> Void
    ) async throws {
        try await withNode(joined: first, connected: second, configure: configure) { world, node, a, b in
            await b.join()
            try await body(world, node, a, b)
        }
    }

    /// One node, `node-1`, with `first` joined and `second` only connected, for tests of the second join.
    static func withNode(
        joined first: UserIdentity, connected second: UserIdentity, configure: @escaping Configure = { _ in },
        _ body: @escaping @Sendable (EngineWorld, CollaborationNode, TestClient, TestClient) async throws -> Void
    ) async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node(configure: configure)
            let a = await TestClient.connect(first, to: node)
            let b = await TestClient.connect(second, to: node)
            await a.join()
            try await body(world, node, a, b)
            await node.shutdown()
        }
    }

    /// Two nodes, `node-1` and `node-2`, over the world's one store and backplane: `first` joined on node-1, then
    /// `second` on node-2. Nothing is settled before the body runs, so the nodes may not yet know of each other's
    /// participants. A node the body crashed is already stopped; its shutdown does nothing.
    static func withTwoNodes(
        joined first: UserIdentity, _ second: UserIdentity,
        _ body: @escaping @Sendable (EngineWorld, CollaborationNode, CollaborationNode, TestClient, TestClient)
            async throws -> Void
    ) async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node1 = try await world.node("node-1")
            let node2 = try await world.node("node-2")
            let a = await TestClient.connect(first, to: node1)
            let b = await TestClient.connect(second, to: node2)
            await a.join()
            await b.join()
            try await body(world, node1, node2, a, b)
            await node1.shutdown()
            await node2.shutdown()
        }
    }
}

/// A connection on a node, seen from the client side.
struct TestClient: Sendable {
    let node: CollaborationNode
    let user: UserIdentity
    let transport: RecordingTransport
    let id: String

    static func connect(_ user: UserIdentity, to node: CollaborationNode, capacity: Int = .max) async -> TestClient {
        let transport = RecordingTransport(capacity: capacity)
        let id = await node.connect(user: user, transport: transport)
        return TestClient(node: node, user: user, transport: transport, id: id)
    }

    /// `count` editors (`user0`, `user1`, …), each connected and joined to `Contact:1` in turn.
    static func joinedEditors(_ count: Int, to node: CollaborationNode) async -> [TestClient] {
        var clients: [TestClient] = []
        for index in 0..<count {
            let user = UserIdentity(id: 100 + index, username: "user\(index)", roles: ["Editor"])
            let client = await connect(user, to: node)
            await client.join()
            clients.append(client)
        }
        return clients
    }

    func send(_ message: ClientMessage) async { await node.receive(message, from: id) }

    @discardableResult
    func join(_ model: String = "Contact", _ record: RecordID = 1) async -> Joined? {
        _ = transport.drain()
        await send(.joinCollaboration(JoinCollaboration(model: model, recordID: record, rid: .integer(1))))
        for message in transport.drain() { if case .joined(let joined) = message { return joined } }
        return nil
    }

    func change(
        _ field: String, value: JSONValue, base: Int, session: String = "Contact:1", rid: RequestID? = nil
    ) async {
        await send(.fieldChange(FieldChange(sessionID: session, field: field, baseVersion: base, edit: .value(value), rid: rid)))
    }

    func changeText(_ field: String, op: JSONValue, base: Int, session: String = "Contact:1", rid: RequestID? = nil) async {
        await send(.fieldChange(FieldChange(sessionID: session, field: field, baseVersion: base, edit: .op(op), rid: rid)))
    }

    func drain() -> [ServerMessage] { transport.drain() }
}

extension [ServerMessage] {
    var acks: [Ack] { compactMap { if case .ack(let ack) = $0 { return ack } else { return nil } } }
    var changes: [ModelChanged] { compactMap { if case .modelChanged(let m) = $0 { return m } else { return nil } } }
    var errors: [ErrorMessage] { compactMap { if case .error(let e) = $0 { return e } else { return nil } } }
    var conflicts: [ConflictDetected] { compactMap { if case .conflictDetected(let c) = $0 { return c } else { return nil } } }
    var resolutions: [ConflictResolved] { compactMap { if case .conflictResolved(let c) = $0 { return c } else { return nil } } }
    var joins: [UserJoined] { compactMap { if case .userJoined(let u) = $0 { return u } else { return nil } } }
    var leaves: [UserLeft] { compactMap { if case .userLeft(let u) = $0 { return u } else { return nil } } }
    var cursors: [CursorMoved] { compactMap { if case .cursorMoved(let c) = $0 { return c } else { return nil } } }
    var comments: [CommentAdded] { compactMap { if case .commentAdded(let c) = $0 { return c } else { return nil } } }
    var resyncs: [Resynced] { compactMap { if case .resynced(let r) = $0 { return r } else { return nil } } }

    /// The versions this client was told about (acks and model changes), in arrival order.
    var versions: [Int] {
        compactMap {
            switch $0 {
            case .ack(let ack): return ack.version
            case .modelChanged(let change): return change.version
            default: return nil
            }
        }
    }
}
