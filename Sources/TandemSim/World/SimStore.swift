import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario

/// The simulated database: one durable `InMemoryEventStore` that survives node crashes, reached by each node
/// over its own link with latency, plus the store's own service time.
///
/// A node cut off from the store gets a `StoreError` (after one link latency, as a refused connection); a
/// request that reached the store is carried out even if its node crashes before the answer comes back.
// Why `@unchecked Sendable` is safe: its only mutable state is `LoopLocal`, which simulated code alone touches, and
// simulated code runs only on the simulation's loop thread, one job or timer at a time (`SimExecutor`).
final class SimStore: @unchecked Sendable {
    let durable = InMemoryEventStore()
    let network: SimNetwork
    let executor: SimExecutor
    let serviceLatency: DurationDistribution
    /// Test hook (`SimulationOptions.testHookCommitDelay`): extra service time of every append; zero by default.
    let commitDelayNanos: Int64
    @exclusivity(unchecked) private var random: LoopLocal<SplitMix64>

    init(
        network: SimNetwork, executor: SimExecutor, serviceLatency: DurationDistribution, seed: UInt64,
        commitDelay: Duration = .zero
    ) {
        self.network = network
        self.executor = executor
        self.serviceLatency = serviceLatency
        self.commitDelayNanos = commitDelay.nanosecondsClamped
        self.random = LoopLocal(SplitMix64.derive(seed: seed, stream: 0x73746F7265))
    }

    func client(node: Int, cpu: NodeCPU) -> SimStoreClient { SimStoreClient(store: self, node: node, cpu: cpu) }

    /// Runs `operation` as node `node` would: request latency, service time (plus `extraServiceNanos`), the
    /// operation, response latency. `what` (for the error) is made only when the store cannot be reached: a
    /// description of the key per call cost about a thousand instructions on every append.
    func call<Result: Sendable>(
        node: Int, _ what: @autoclosure () -> String, extraServiceNanos: Int64 = 0,
        _ operation: @Sendable (InMemoryEventStore) async -> Result
    ) async throws -> Result {
        guard network.reachable(.node(node), .store) else {
            await executor.pause(for: .nanoseconds(network.latencyNanos(.nodeStore)))
            throw StoreError("node-\(node + 1) cannot reach the store (\(what()))")
        }
        let service = random.update { serviceLatency.sample(using: &$0) }
        await executor.pause(
            for: .nanoseconds(network.latencyNanos(.nodeStore) + service.nanosecondsClamped + extraServiceNanos))
        let result = await operation(durable)
        await executor.pause(for: .nanoseconds(network.latencyNanos(.nodeStore)))
        return result
    }
}

/// One node's connection to the simulated store: the `EventStore` the node's engine is given. Each call
/// first costs the node actor `per_store_call`.
struct SimStoreClient: EventStore {
    let store: SimStore
    let node: Int
    let cpu: NodeCPU

    private func call<Result: Sendable>(
        _ what: @autoclosure () -> String, extraServiceNanos: Int64 = 0,
        _ operation: @Sendable (InMemoryEventStore) async -> Result
    ) async throws -> Result {
        let now = store.executor.nowNanos
        let issued = cpu.serial(cpu.costs.perStoreCall, readyAt: now, busy: false)
        if issued > now { await store.executor.pause(untilNanos: issued) }
        return try await store.call(node: node, what(), extraServiceNanos: extraServiceNanos, operation)
    }

    func loadRecord(_ key: RecordKey) async throws -> RecordState? {
        try await call("load \(key)") { await $0.loadRecord(key) }
    }

    func records(model: String, offset: Int, limit: Int) async throws -> (total: Int, records: [RecordState]) {
        let page = try await call("list \(model) from \(offset)") {
            let found = await $0.records(model: model, offset: offset, limit: limit)
            return RecordPage(total: found.total, records: found.records)
        }
        return (page.total, page.records)
    }

    func nextRecordID(model: String) async throws -> Int {
        try await call("next \(model) id") { await $0.nextRecordID(model: model) }
    }

    func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) async throws -> AppendResult {
        try await call("append \(change.key) v\(change.version)", extraServiceNanos: store.commitDelayNanos) {
            await $0.append(change, autoResolved: autoResolved)
        }
    }

    func changes(_ key: RecordKey, after version: Int, limit: Int) async throws -> ChangeLogSlice {
        try await call("read \(key) after v\(version)") {
            await $0.changes(key, after: version, limit: limit)
        }
    }

    func change(_ key: RecordKey, id: String) async throws -> ChangeEntry? {
        try await call("find change \(id)") { await $0.change(key, id: id) }
    }

    func saveConflict(_ conflict: ConflictRecord, with change: ChangeEntry?) async throws -> AppendResult {
        try await call("save conflict \(conflict.id)") { await $0.saveConflict(conflict, with: change) }
    }

    func conflict(_ key: RecordKey, id: String) async throws -> ConflictRecord? {
        try await call("load conflict \(id)") { await $0.conflict(key, id: id) }
    }

    func appendComment(_ comment: Comment, to key: RecordKey) async throws {
        try await call("append comment") { await $0.appendComment(comment, to: key) }
    }

    func comments(_ key: RecordKey) async throws -> [Comment] {
        try await call("load comments") { await $0.comments(key) }
    }

    func appendAudit(_ events: [AuditEvent]) async throws {
        try await call("append audit") { await $0.appendAudit(events) }
    }
}

/// A page of records carried back over the simulated link (`call` needs a `Sendable` result).
private struct RecordPage: Sendable {
    var total: Int
    var records: [RecordState]
}
