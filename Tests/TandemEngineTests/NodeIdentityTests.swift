import TandemCore
import TandemEngine
import Testing

/// The ids a node makes (connections, change ids) across restarts, and the `rid` of a refused leave.
@Suite struct NodeIdentityTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    @Test func changeIdsMadeAfterARestartDoNotRepeatThoseOfTheFirstBoot() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let first = try await world.node(seed: 11)
            let before = await TestClient.connect(Users.alice, to: first)
            await before.join()
            await before.change("age", value: 41, base: 0, rid: .integer(1))
            #expect(before.drain().acks.map(\.version) == [1])
            await first.crash()

            // Same node id, same store, a new boot: its first connection and first change come again.
            let second = try await world.node(seed: 12)
            let after = await TestClient.connect(Users.alice, to: second)
            #expect(after.id != before.id, "connection id \(after.id) repeats the first boot's")
            await after.join()
            await after.change("age", value: 42, base: 1, rid: .integer(1))
            #expect(after.drain().acks.map(\.version) == [2], "the new change was taken for a retry of the old one")
            let log = await world.store.changes(Self.key, after: 0, limit: 10).changes
            #expect(log.map(\.version) == [1, 2])
            #expect(Set(log.map(\.changeID)).count == 2, "change ids \(log.map(\.changeID)) repeat")
            #expect(log.last?.newValue == 42)
            await second.shutdown()
        }
    }

    @Test func theSameSeedMakesTheSameIdsAndAnotherSeedOthers() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            var ids: [String] = []
            for seed: UInt64 in [5, 5, 6] {
                let node = try await world.node(seed: seed)
                ids.append(await TestClient.connect(Users.alice, to: node).id)
                #expect(ids.last?.hasPrefix("node-1/\(node.epoch)/") == true, "\(ids.last ?? "")")
                await node.shutdown()
            }
            #expect(ids[0] == ids[1], "one seed, one epoch: \(ids)")
            #expect(ids[0] != ids[2], "another seed, another epoch: \(ids)")
        }
    }

    @Test func leavingASessionNeverJoinedAnswersNotJoinedWithTheRid() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let client = await TestClient.connect(Users.alice, to: node)
            _ = client.drain()
            await client.send(.leaveCollaboration(LeaveCollaboration(sessionID: "Contact:77", rid: .integer(24))))
            let errors = client.drain().errors
            #expect(errors.map(\.code) == [.notJoined])
            #expect(errors.first?.rid == .integer(24))
            await node.shutdown()
        }
    }
}
