import Synchronization
import Testing
import TandemCore
import TandemEngine

/// The store as seen by a node that always loses the race: before each of its appends another writer (another
/// node, as far as this one can tell) commits the same version of the record first.
struct AlwaysOutracedStore: ForwardingStore {
    let inner: InMemoryEventStore

    func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) async throws -> AppendResult {
        var rival = change
        rival.changeID = "rival-\(change.version)"
        rival.field = "age"
        rival.kind = change.version == 1 ? .insert : .update
        rival.op = nil
        rival.newValue = .int(change.version)
        _ = await inner.append(rival, autoResolved: nil)
        return await inner.append(change, autoResolved: autoResolved)
    }
}

/// The store with a count of the appends that reach it.
final class CountingAppendsStore: ForwardingStore {
    let inner = InMemoryEventStore()
    let appends = Mutex(0)

    func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) async throws -> AppendResult {
        appends.withLock { $0 += 1 }
        return await inner.append(change, autoResolved: autoResolved)
    }
}

@Suite struct ContentionTests {
    /// A retry whose change the node committed a few versions ago (its `ack` was lost) is answered from the node's
    /// memory window, which is scanned back from the newest change only as far as the retry's base version: acked
    /// at its first version, with no second append; the changes committed since are not taken for it.
    @Test func aRetryInsideTheMemoryWindowIsAckedFromMemory() async throws {
        try await inSimulation { executor in
            let store = CountingAppendsStore()
            let node = CollaborationNode(
                configuration: NodeConfiguration(nodeID: "node-1", models: .demo),
                environment: NodeEnvironment(clock: executor.clock, store: store, backplane: InMemoryBackplane(), seed: 3))
            try await node.start()
            let a = await TestClient.connect(Users.alice, to: node)
            await a.join()
            for version in 0..<5 { await a.change("age", value: .int(version), base: version) }
            let retried = FieldChange(sessionID: "Contact:1", field: "notes", baseVersion: 5, edit: .value("once"),
                                      rid: .integer(70), changeID: "alice-retried")
            await a.send(.fieldChange(retried))
            for version in 6..<9 { await a.change("age", value: .int(version * 10), base: version) }
            _ = a.drain()
            let appendsBefore = store.appends.withLock { $0 }
            await a.send(.fieldChange(retried))
            let acks = a.drain().acks
            #expect(acks.map(\.version) == [6], "\(acks)")
            #expect(acks.map(\.changeID) == ["alice-retried"])
            #expect(store.appends.withLock { $0 } == appendsBefore, "the retry reached the store")
            #expect(await node.metrics.duplicateChanges == 1)
            await node.shutdown()
        }
    }

    /// A change that loses every race is answered `internal` (nothing committed) with a message that says why and
    /// what to do, and counted; the node stays consistent with the store and keeps serving.
    @Test func aChangeThatLosesEveryRaceIsAnsweredWithWhatToDo() async throws {
        try await inSimulation { executor in
            let inner = InMemoryEventStore()
            var configuration = NodeConfiguration(nodeID: "node-1", models: .demo)
            configuration.limits.appendAttemptsMax = 4
            let node = CollaborationNode(
                configuration: configuration,
                environment: NodeEnvironment(
                    clock: executor.clock, store: AlwaysOutracedStore(inner: inner), backplane: InMemoryBackplane(),
                    seed: 3))
            try await node.start()
            let a = await TestClient.connect(Users.alice, to: node)
            await a.join()
            await a.change("notes", value: "mine", base: 0, rid: "hot")
            let messages = a.drain()
            let error = try #require(messages.errors.first)
            #expect(error.code == .internal)
            #expect(error.rid == RequestID.string("hot"))
            #expect(error.message.contains("Contact:1 is busy (4 attempts"), "\(error.message)")
            #expect(error.message.contains("resend it with the same change_id"), "\(error.message)")
            #expect(messages.acks.isEmpty)
            #expect(await node.metrics.appendsAbandoned == 1)
            #expect(await node.metrics.appendClashes == 4)
            // Every rival change reached this client in order, and the node's record is the store's.
            #expect(messages.changes.map(\.version) == [1, 2, 3, 4])
            #expect(await node.record(RecordKey(model: "Contact", recordID: "1")) != nil)
            #expect(await inner.loadRecord(RecordKey(model: "Contact", recordID: "1"))?.version == 4)
            #expect(await inner.log(RecordKey(model: "Contact", recordID: "1")).allSatisfy { $0.changeID.hasPrefix("rival-") })
            await node.shutdown()
        }
    }
}
