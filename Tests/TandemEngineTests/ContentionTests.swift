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

@Suite struct ContentionTests {
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
