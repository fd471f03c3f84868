import Synchronization
import Testing
import TandemCore
import TandemEngine

/// A store whose audit appends fail while `failing` is set, and which counts every attempt.
final class FlakyAuditStore: ForwardingStore {
    let inner = InMemoryEventStore()
    let failing = Mutex(true)
    let attempts = Mutex(0)
    let written = Mutex(0)

    func appendAudit(_ events: [AuditEvent]) async throws {
        attempts.withLock { $0 += 1 }
        if failing.withLock({ $0 }) { throw StoreError("the audit table is unreachable") }
        written.withLock { $0 += events.count }
        await inner.appendAudit(events)
    }
}

@Suite struct AuditBacklogTests {
    /// While the store refuses audit events the node holds at most `auditBacklogCountMax` of them, drops and counts
    /// the oldest beyond, and tries once per heartbeat rather than once per event; when the store is back the
    /// backlog is written.
    @Test func aFailingStoreCostsBoundedMemoryAndOneAttemptPerHeartbeat() async throws {
        try await inSimulation { executor in
            let store = FlakyAuditStore()
            var configuration = NodeConfiguration(
                nodeID: "node-1", models: .demo, heartbeatInterval: .seconds(1), heartbeatTimeout: .seconds(3))
            configuration.limits.auditBufferCountMax = 4
            configuration.limits.auditBacklogCountMax = 10
            let node = CollaborationNode(
                configuration: configuration,
                environment: NodeEnvironment(clock: executor.clock, store: store, backplane: InMemoryBackplane(), seed: 5))
            try await node.start()
            let a = await TestClient.connect(Users.alice, to: node)
            // 30 joins of 30 records: 30 audit events, far past the buffer and the backlog.
            for record in 1...30 { await a.join("Contact", .integer(record)) }
            try await executor.clock.sleep(for: .milliseconds(10))
            #expect(await node.metrics.auditEventsDropped == 20, "30 events, 10 kept")
            #expect(store.attempts.withLock { $0 } == 1, "one size-triggered flush, not one per event")
            try await executor.clock.sleep(for: .seconds(3))
            #expect(store.attempts.withLock { $0 } == 4, "then one attempt per heartbeat")
            #expect(await node.metrics.auditEventsDropped == 20)
            store.failing.withLock { $0 = false }
            try await executor.clock.sleep(for: .seconds(1))
            #expect(store.written.withLock { $0 } == 10, "the backlog is written once the store is back")
            await node.shutdown()
        }
    }
}
