import Testing
import TandemCore
import TandemEngine

@Suite struct ConflictTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    @Test func manualPolicyHoldsTheConflictAndTellsOnlyTheSender() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { world, node, a, b in
            await a.change("name", value: "Alice's name", base: 0)
            await b.change("name", value: "Bob's name", base: 0)
            let toBob = b.drain()
            let conflict = try #require(toBob.conflicts.first)
            #expect(conflict.field == "name")
            #expect(conflict.localValue == "Bob's name")
            #expect(conflict.remoteValue == "Alice's name")
            #expect(conflict.remoteUser.username == "alice")
            #expect(conflict.baseVersion == 0)
            #expect(a.drain().conflicts.isEmpty)
            let record = try #require(await node.record(Self.key))
            #expect(record.version == 1)
            #expect(record.fields["name"] == "Alice's name")
            let stored = try #require(await world.store.conflict(Self.key, id: conflict.conflictID))
            #expect(stored.status == .pending)
        }
    }

    @Test func lastWriterWinsCommitsAndLogsAnAutoResolvedConflict() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { world, node, a, b in
            await a.change("age", value: 30, base: 0)
            await b.change("age", value: 31, base: 0)
            #expect(b.drain().acks.map(\.version) == [2])
            let record = try #require(await node.record(Self.key))
            #expect(record.fields["age"] == 31)
            let logged = await world.store.allConflicts(Self.key)
            #expect(logged.count == 1)
            #expect(logged.first?.status == .autoResolved)
            #expect(logged.first?.valueBeforeResolution == 30)
            #expect(await node.metrics.conflictsAutoResolved == 1)
        }
    }

    @Test(arguments: [ConflictChoice.local, .remote, .merged])
    func aHeldConflictIsSettledByEachChoice(_ choice: ConflictChoice) async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { _, node, a, b in
            await a.change("name", value: "Ann", base: 0)
            await b.change("name", value: "Anne", base: 0)
            let conflict = try #require(b.drain().conflicts.first)
            _ = a.drain()
            let merged: JSONValue? = choice == .merged ? "Ann(e)" : nil
            await b.send(.resolveConflict(ResolveConflict(sessionID: "Contact:1", conflictID: conflict.conflictID,
                                                          choice: choice, value: merged, rid: 5)))
            let expected: JSONValue = switch choice {
            case .local: "Anne"
            case .remote: "Ann"
            case .merged: "Ann(e)"
            }
            let record = try #require(await node.record(Self.key))
            #expect(record.fields["name"] == expected)
            #expect(record.version == (choice == .remote ? 1 : 2))
            let toAlice = a.drain()
            #expect(toAlice.resolutions.map(\.choice) == [choice])
            #expect(toAlice.resolutions.first?.value == expected)
            #expect(toAlice.changes.map(\.origin) == (choice == .remote ? [] : [.resolution]))
            let toBob = b.drain()
            #expect(toBob.resolutions.count == 1)
            #expect(toBob.acks.map(\.version) == (choice == .remote ? [] : [2]))
        }
    }

    @Test func aResolutionCanBeRolledBackOnceAsANewChange() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { world, node, a, b in
            await a.change("name", value: "Ann", base: 0)
            await b.change("name", value: "Anne", base: 0)
            let conflict = try #require(b.drain().conflicts.first)
            await b.send(.resolveConflict(ResolveConflict(sessionID: "Contact:1", conflictID: conflict.conflictID, choice: .local)))
            await a.send(.rollback(Rollback(sessionID: "Contact:1", conflictID: conflict.conflictID, rid: 8)))
            let record = try #require(await node.record(Self.key))
            #expect(record.version == 3)
            #expect(record.fields["name"] == "Ann")
            #expect(await world.store.conflict(Self.key, id: conflict.conflictID)?.status == .rolledBack)
            #expect(await world.store.log(Self.key).map(\.origin) == [.ws, .resolution, .resolution])
            _ = a.drain()
            await a.send(.rollback(Rollback(sessionID: "Contact:1", conflictID: conflict.conflictID, rid: 9)))
            #expect(a.drain().errors.map(\.code) == [.invalidMessage])
            await a.send(.rollback(Rollback(sessionID: "Contact:1", conflictID: "cf-nope", rid: 10)))
            #expect(a.drain().errors.map(\.code) == [.notFound])
        }
    }

    @Test func concurrentJSONChangesToDisjointKeysBothLand() async throws {
        try await EngineWorld.withNode(joined: Users.alice) { world, node, a in
            await a.change("settings", value: ["theme": "dark", "size": 1], base: 0)
            await a.change("settings", value: ["theme": "light", "size": 1], base: 1)
            await a.change("settings", value: ["theme": "dark", "size": 2], base: 1)
            let record = try #require(await node.record(Self.key))
            #expect(record.fields["settings"] == ["theme": "light", "size": 2])
            #expect(await world.store.allConflicts(Self.key).isEmpty)
        }
    }

    @Test func concurrentListInsertsBothSurviveAndDeletesRemoveOneItem() async throws {
        try await EngineWorld.withNode(joined: Users.alice) { _, node, a in
            let base: JSONValue = [["id": "a", "v": 1], ["id": "b", "v": 2]]
            await a.change("tags", value: base, base: 0)
            await a.change("tags", value: [["id": "a", "v": 1], ["id": "b", "v": 2], ["id": "c", "v": 3]], base: 1)
            await a.change("tags", value: [["id": "b", "v": 2], ["id": "d", "v": 4]], base: 1)
            let record = try #require(await node.record(Self.key))
            let ids = record.fields["tags"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(ids == ["b", "c", "d"] || ids == ["b", "d", "c"])
        }
    }
}
