import Testing
import TandemCore
import TandemCoreTestSupport
import TandemEngine

@Suite struct CollaborationNodeTests {
    enum Arrival: CaseIterable { case aFirst, bFirst, concurrent }

    /// PROTOCOL.md's worked example: whatever the arrival order, "Hello beautiful world!" at version 9.
    @Test(arguments: Arrival.allCases)
    func workedExampleConvergesInEveryArrivalOrder(_ arrival: Arrival) async throws {
        try await EngineWorld.withNode(joined: Users.alice, connected: Users.bob) { world, node, a, b in
            // Versions 1…6 touch other fields; version 7 sets the text.
            for version in 0..<6 { await a.change("age", value: .int(version), base: version) }
            await a.change("notes", value: "Hello world", base: 6)
            #expect(await node.record(RecordKey(model: "Contact", recordID: "1"))?.version == 7)
            await b.join()
            _ = a.drain()
            var viewA = TextView(text: "Hello world", version: 7)
            var viewB = TextView(text: "Hello world", version: 7)
            let opA = TextOperation([.retain(5), .insert(" beautiful"), .retain(6)])
            let opB = TextOperation([.retain(11), .insert("!")])
            let sendA = try #require(try viewA.edit(opA))
            let sendB = try #require(try viewB.edit(opB))
            switch arrival {
            case .aFirst:
                await a.changeText("notes", op: sendA.operation.json, base: sendA.baseVersion)
                await b.changeText("notes", op: sendB.operation.json, base: sendB.baseVersion)
            case .bFirst:
                await b.changeText("notes", op: sendB.operation.json, base: sendB.baseVersion)
                await a.changeText("notes", op: sendA.operation.json, base: sendA.baseVersion)
            case .concurrent:
                async let first: Void = a.changeText("notes", op: sendA.operation.json, base: sendA.baseVersion)
                async let second: Void = b.changeText("notes", op: sendB.operation.json, base: sendB.baseVersion)
                _ = await (first, second)
            }
            try await world.settle()
            try viewA.receive(a.drain())
            try viewB.receive(b.drain())
            let record = try #require(await node.record(RecordKey(model: "Contact", recordID: "1")))
            #expect(record.version == 9)
            #expect(record.fields["notes"] == "Hello beautiful world!")
            #expect(viewA.text == "Hello beautiful world!")
            #expect(viewB.text == "Hello beautiful world!")
        }
    }

    @Test func manyConnectionsSeeOneGapFreeVersionSequence() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let clients = await TestClient.joinedEditors(20, to: node)
            for client in clients { _ = client.drain() }
            await withTaskGroup(of: Void.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask {
                        for round in 0..<10 {
                            let field = round % 2 == 0 ? "age" : "active"
                            let value: JSONValue = round % 2 == 0 ? .int(index * 100 + round) : .bool(index % 2 == 0)
                            await client.change(field, value: value, base: 0, rid: .integer(round))
                        }
                    }
                }
            }
            try await world.settle()
            #expect(await node.record(RecordKey(model: "Contact", recordID: "1"))?.version == 200)
            for client in clients {
                let messages = client.drain()
                #expect(messages.versions == Array(1...200), "\(client.user.username) saw \(messages.versions.count) versions")
                #expect(messages.acks.count == 10)
            }
            await node.shutdown()
        }
    }

    @Test func aClientNeverGetsItsOwnChangeTwice() async throws {
        try await EngineWorld.withNode(joined: Users.alice) { _, _, a in
            await a.change("age", value: 41, base: 0, rid: "r1")
            let messages = a.drain()
            #expect(messages.acks.map(\.version) == [1])
            #expect(messages.acks.first?.rid == RequestID.string("r1"))
            #expect(messages.changes.isEmpty)
        }
    }

    @Test func aRetriedChangeIDIsCommittedOnceAndAckedAgain() async throws {
        try await EngineWorld.withNode(joined: Users.alice) { _, node, a in
            let change = FieldChange(sessionID: "Contact:1", field: "age", baseVersion: 0, edit: .value(7), rid: 1,
                                     changeID: "alice-1")
            await a.send(.fieldChange(change))
            await a.send(.fieldChange(change))
            #expect(a.drain().acks.map(\.version) == [1, 1])
            #expect(await node.record(RecordKey(model: "Contact", recordID: "1"))?.version == 1)
        }
    }

    @Test func anUnknownModelFieldOrSessionIsAnsweredAndTheNodeKeepsServing() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let a = await TestClient.connect(Users.alice, to: node)
            #expect(await a.join("Nope", 1) == nil)
            #expect(a.drain().isEmpty)
            await a.send(.joinCollaboration(JoinCollaboration(model: "Nope", recordID: 1, rid: 9)))
            #expect(a.drain().errors.map(\.code) == [.notFound])
            await a.change("age", value: 1, base: 0)
            #expect(a.drain().errors.map(\.code) == [.notJoined])
            await a.join()
            await a.change("nope", value: 1, base: 0)
            #expect(a.drain().errors.map(\.code) == [.unknownField])
            await a.change("age", value: "x", base: 0)
            #expect(a.drain().errors.map(\.code) == [.invalidMessage])
            await a.changeText("age", op: [1], base: 0)
            #expect(a.drain().errors.map(\.code) == [.invalidOp])
            await a.changeText("notes", op: [5, "x"], base: 0)
            #expect(a.drain().errors.map(\.code) == [.invalidOp])
            await a.change("age", value: 3, base: 5)
            #expect(a.drain().errors.map(\.code) == [.invalidMessage])
            await a.change("age", value: 3, base: 0)
            #expect(a.drain().acks.map(\.version) == [1])
            await node.shutdown()
        }
    }
}
