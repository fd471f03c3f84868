import Testing
import TandemCore
import TandemEngine

@Suite struct PermissionTests {
    @Test func aViewerJoinsReadOnlyAndMayNotEdit() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let viewer = await TestClient.connect(Users.victor, to: node)
            let joined = try #require(await viewer.join())
            #expect(joined.readOnly)
            await viewer.change("age", value: 3, base: 0)
            #expect(viewer.drain().errors.map(\.code) == [.forbidden])
            #expect(await node.record(RecordKey(model: "Contact", recordID: "1"))?.version == 0)
            await node.shutdown()
        }
    }

    @Test func aUserWithoutShowMayNotJoin() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let nobody = await TestClient.connect(UserIdentity(id: 9, username: "nobody", roles: ["Public"]), to: node)
            await nobody.send(.joinCollaboration(JoinCollaboration(model: "Contact", recordID: 1, rid: 1)))
            #expect(nobody.drain().errors.map(\.code) == [.forbidden])
            await node.shutdown()
        }
    }

    @Test func aRestrictedFieldNeedsTheFieldGrant() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.ada) { _, _, editor, admin in
            await editor.change("salary", value: 100, base: 0)
            #expect(editor.drain().errors.map(\.code) == [.forbidden])
            await admin.change("salary", value: 100, base: 0)
            #expect(admin.drain().acks.map(\.version) == [1])
            #expect(editor.drain().changes.map(\.field) == ["salary"])
        }
    }
}

@Suite struct PresenceTests {
    @Test func othersSeeJoinsLeavesCursorsAndComments() async throws {
        try await EngineWorld.withNode(joined: Users.alice, connected: Users.bob) { _, node, a, b in
            let joined = try #require(await b.join())
            #expect(joined.participants.map(\.username) == ["alice", "bob"])
            #expect(a.drain().joins.map(\.user.username) == ["bob"])
            await b.send(.cursor(CursorUpdate(sessionID: "Contact:1", field: "notes", state: .focus,
                                              position: CursorPosition(index: 2, end: 2))))
            let cursor = try #require(a.drain().cursors.first)
            #expect(cursor.user.username == "bob")
            #expect(cursor.position == CursorPosition(index: 2, end: 2))
            #expect(await node.participants(RecordKey(model: "Contact", recordID: "1")).map(\.focus) == [nil, "notes"])
            await a.send(.comment(CommentRequest(sessionID: "Contact:1", field: "notes", text: "Typo here?", rid: 3)))
            let comment = try #require(b.drain().comments.first?.comment)
            #expect(comment.text == "Typo here?")
            #expect(a.drain().comments.first?.rid == 3)
            await b.send(.comment(CommentRequest(sessionID: "Contact:1", field: "notes", text: "Fixed", parentID: comment.id)))
            #expect(a.drain().comments.first?.comment.parentID == comment.id)
            await b.send(.comment(CommentRequest(sessionID: "Contact:1", field: "age", text: "x", parentID: comment.id)))
            #expect(b.drain().errors.map(\.code) == [.invalidMessage])
            await b.send(.leaveCollaboration(LeaveCollaboration(sessionID: "Contact:1")))
            #expect(a.drain().leaves.map(\.user.username) == ["bob"])
        }
    }

    @Test func oneUserWithTwoConnectionsIsOneParticipant() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let a = await TestClient.connect(Users.alice, to: node)
            let tab1 = await TestClient.connect(Users.bob, to: node)
            let tab2 = await TestClient.connect(Users.bob, to: node)
            await a.join()
            await tab1.join()
            let joined = try #require(await tab2.join())
            #expect(joined.participants.map(\.username) == ["alice", "bob"])
            #expect(a.drain().joins.count == 1)
            await node.disconnect(tab1.id)
            #expect(a.drain().leaves.isEmpty)
            await node.disconnect(tab2.id)
            #expect(a.drain().leaves.map(\.user.username) == ["bob"])
            await node.shutdown()
        }
    }

    @Test func aSilentConnectionExpiresAndLeavesNoGhost() async throws {
        try await EngineWorld.withNode(
            joined: Users.alice,
            Users.bob,
            configure: {
                $0.heartbeatInterval = .seconds(1)
                $0.heartbeatTimeout = .seconds(3)
            }
        ) { world, node, a, b in
            _ = a.drain()
            for _ in 0..<5 {
                try await world.settle(.seconds(1))
                await a.send(.ping(Ping()))
            }
            #expect(a.drain().leaves.map(\.user.username) == ["bob"])
            #expect(b.transport.closeCode == 4408)
            #expect(await node.participants(RecordKey(model: "Contact", recordID: "1")).map(\.username) == ["alice"])
        }
    }

    /// The heartbeat walks the sessions as they are at each beat (their sorted keys are kept between beats): a session
    /// opened after some beats is expired like the first.
    @Test func aSessionOpenedBetweenHeartbeatsIsWalkedToo() async throws {
        try await EngineWorld.withNode(
            joined: Users.alice,
            configure: {
                $0.heartbeatInterval = .seconds(1)
                $0.heartbeatTimeout = .seconds(3)
            }
        ) { world, node, a in
            for _ in 0..<2 {
                try await world.settle(.seconds(1))
                await a.send(.ping(Ping()))
            }
            let b = await TestClient.connect(Users.bob, to: node)
            #expect(await b.join("Contact", 2) != nil)
            for _ in 0..<5 {
                try await world.settle(.seconds(1))
                await a.send(.ping(Ping()))
            }
            #expect(b.transport.closeCode == 4408)
            #expect(await node.participants(RecordKey(model: "Contact", recordID: "2")).isEmpty)
            #expect(await node.participants(RecordKey(model: "Contact", recordID: "1")).map(\.username) == ["alice"])
        }
    }

    @Test func aFullSessionRefusesANewParticipant() async throws {
        try await EngineWorld.withNode(
            joined: Users.alice,
            connected: Users.bob,
            configure: { $0.limits.participantsPerSessionMax = 1 }
        ) { _, _, _, b in
            await b.send(.joinCollaboration(JoinCollaboration(model: "Contact", recordID: 1, rid: 1)))
            #expect(b.drain().errors.map(\.code) == [.sessionFull])
        }
    }

    @Test func aFloodIsRateLimitedAndRepeatedBreachesCloseTheConnection() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node {
                $0.limits.messagesPerSecond = 10
                $0.limits.messageBurst = 5
                $0.limits.breachesBeforeCloseMax = 3
            }
            let a = await TestClient.connect(Users.alice, to: node)
            for _ in 0..<9 { await a.send(.ping(Ping())) }
            let messages = a.drain()
            #expect(messages.errors.map(\.code) == [.rateLimited, .rateLimited, .rateLimited, .rateLimited])
            #expect(a.transport.closeCode == 1008)
            await node.shutdown()
        }
    }

    @Test func aSlowConsumerIsDroppedNotBuffered() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let a = await TestClient.connect(Users.alice, to: node)
            let slow = await TestClient.connect(Users.bob, to: node, capacity: 3)
            await a.join()
            await slow.join()
            for version in 0..<5 { await a.change("age", value: .int(version), base: version) }
            #expect(slow.transport.closeCode == 1013)
            #expect(await node.metrics.slowConsumersDropped == 1)
            #expect(await node.participants(RecordKey(model: "Contact", recordID: "1")).map(\.username) == ["alice"])
            await node.shutdown()
        }
    }
}
