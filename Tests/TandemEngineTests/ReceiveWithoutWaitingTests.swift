import Synchronization
import Testing
import TandemCore
import TandemEngine
import TandemRuntime

/// `receiveWithoutWaiting`, the synchronous entry the simulator hands most frames through, is `receive` for the frames
/// whose handling never waits, and refuses every other frame untouched.
@Suite struct ReceiveWithoutWaitingTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    /// What one node shows after Bob moves his cursor, pings, leaves and pings past his burst, with Alice watching.
    struct Outcome: Equatable {
        var toAlice: [ServerMessage]
        var toBob: [ServerMessage]
        var messagesIn: Int
        var rateLimited: Int
        var participants: [String]
    }

    static let frames: [ClientMessage] = [
        .cursor(CursorUpdate(sessionID: "Contact:1", field: "notes", state: .focus,
                             position: CursorPosition(index: 1, end: 3))),
        .ping(Ping(rid: 7)), .ping(Ping()),
        .leaveCollaboration(LeaveCollaboration(sessionID: "Contact:1")),
        .ping(Ping(rid: 8)),
    ]

    /// Plays `frames` from Bob on a fresh node whose bucket holds five messages (Bob's join took one), handing each with `hand`.
    static func outcome(
        _ hand: @escaping @Sendable (CollaborationNode, ClientMessage, String) async -> Void
    ) async throws -> Outcome {
        let box = Mutex<Outcome?>(nil)
        try await EngineWorld.withNode(joined: Users.alice, Users.bob, configure: { configuration in
            configuration.limits.messageBurst = 5
            configuration.limits.messagesPerSecond = 1
        }) { _, node, alice, bob in
            _ = alice.drain()
            _ = bob.drain()
            let before = await node.metrics.messagesIn
            for frame in frames { await hand(node, frame, bob.id) }
            let outcome = Outcome(
                toAlice: alice.drain(), toBob: bob.drain(), messagesIn: await node.metrics.messagesIn - before,
                rateLimited: await node.metrics.rateLimited,
                participants: await node.participants(key).map(\.username))
            box.withLock { $0 = outcome }
        }
        return try #require(box.withLock { $0 })
    }

    @Test func itDoesWhatReceiveDoesForFramesThatNeverWait() async throws {
        let received = try await Self.outcome { node, frame, id in await node.receive(frame, from: id) }
        let handed = try await Self.outcome { node, frame, id in
            let done = await node.receiveWithoutWaiting(frame, from: id)
            #expect(done, "\(frame.typeName) should be handled at once")
        }
        #expect(handed == received)
        // The play did what it says: the cursor reached Alice, Bob left, his last ping met the empty bucket.
        #expect(received.toAlice.cursors.count == 1)
        #expect(received.toAlice.leaves.map(\.user.username) == ["bob"])
        #expect(received.toBob.errors.map(\.code) == [.rateLimited])
        #expect(received.rateLimited == 1)
        #expect(received.messagesIn == 5)
        #expect(received.participants == ["alice"])
    }

    /// `receive(onTaskOfItsOwn: true)`, the simulator's entry for a frame on a task of its own, handles the frames that
    /// wait in place of a child task, and does exactly what `receive` does: what both clients are sent, the record,
    /// the counters. Each frame on a fresh task, as the simulator hands it.
    @Test func onATaskOfItsOwnAFrameThatWaitsIsHandledAsReceiveHandlesIt() async throws {
        struct Played: Equatable {
            var toAlice: [ServerMessage]
            var toBob: [ServerMessage]
            var version: Int?
            var messagesIn: Int
        }
        let frames: [ClientMessage] = [
            .joinCollaboration(JoinCollaboration(model: "Contact", recordID: 2, rid: 1)),
            .fieldChange(FieldChange(sessionID: "Contact:1", field: "age", baseVersion: 0, edit: .value(3), rid: 2)),
            .fieldChange(FieldChange(sessionID: "Contact:1", field: "name", baseVersion: 0, edit: .value("B"), rid: 3)),
            .comment(CommentRequest(sessionID: "Contact:1", field: "notes", text: "hi", rid: 4)),
            .resync(Resync(sessionID: "Contact:1", sinceVersion: 0)),
            .fieldChange(FieldChange(sessionID: "Contact:9", field: "age", baseVersion: 0, edit: .value(1), rid: 5)),
        ]
        func play(onTaskOfItsOwn: Bool) async throws -> Played? {
            let box = Mutex<Played?>(nil)
            try await EngineWorld.withNode(joined: Users.alice, Users.bob) { _, node, alice, bob in
                _ = alice.drain()
                _ = bob.drain()
                let before = await node.metrics.messagesIn
                for frame in frames {
                    await spawn { await node.receive(frame, from: bob.id, onTaskOfItsOwn: onTaskOfItsOwn) }.value
                }
                let played = Played(toAlice: alice.drain(), toBob: bob.drain(), version: await node.record(Self.key)?.version,
                                    messagesIn: await node.metrics.messagesIn - before)
                box.withLock { $0 = played }
            }
            return box.withLock { $0 }
        }
        let inChildTasks = try #require(try await play(onTaskOfItsOwn: false))
        let inPlace = try #require(try await play(onTaskOfItsOwn: true))
        #expect(inPlace == inChildTasks)
        // The play did what it says: two changes acked and seen by Alice, a comment, a resync, an error for Contact:9.
        #expect(inChildTasks.toBob.acks.count == 2 && inChildTasks.toAlice.changes.count == 2)
        #expect(inChildTasks.toAlice.comments.count == 1 && inChildTasks.toBob.resyncs.count == 1)
        #expect(inChildTasks.toBob.errors.count == 1)
        #expect(inChildTasks.version == 2 && inChildTasks.messagesIn == frames.count)
    }

    @Test func itRefusesEveryFrameWhoseHandlingWaitsAndChangesNothing() async throws {
        try await EngineWorld.withNode(joined: Users.alice) { _, node, alice in
            _ = alice.drain()
            let waiting: [ClientMessage] = [
                .joinCollaboration(JoinCollaboration(model: "Contact", recordID: 2, rid: 1)),
                .fieldChange(FieldChange(sessionID: "Contact:1", field: "age", baseVersion: 0, edit: .value(3))),
                .comment(CommentRequest(sessionID: "Contact:1", field: "notes", text: "hi")),
                .resync(Resync(sessionID: "Contact:1", sinceVersion: 0)),
            ]
            for frame in waiting {
                #expect(await node.receiveWithoutWaiting(frame, from: alice.id) == false, "\(frame.typeName)")
            }
            #expect(await node.metrics.messagesIn == 1)  // the join of `withNode`
            #expect(await node.record(Self.key)?.version == 0)
            #expect(alice.drain().isEmpty)
        }
    }

    @Test func itRefusesEveryFrameWhenTheNodeTimesItsStages() async throws {
        try await inSimulation { executor in
            let stages = CountingStages()
            let node = CollaborationNode(
                configuration: NodeConfiguration(nodeID: "node-1", models: .demo),
                environment: NodeEnvironment(clock: executor.clock, store: InMemoryEventStore(),
                                             backplane: InMemoryBackplane(), seed: 1, stages: stages))
            try await node.start()
            let alice = await TestClient.connect(Users.alice, to: node)
            _ = alice.drain()
            #expect(await node.receiveWithoutWaiting(.ping(Ping(rid: 1)), from: alice.id) == false)
            #expect(alice.drain().isEmpty)
            #expect(stages.count(.handle) == 0)
            await alice.send(.ping(Ping(rid: 1)))
            #expect(alice.drain().count == 1)
            #expect(stages.count(.handle) == 1)
            await node.shutdown()
        }
    }

    @Test func aFrameFromAnUnknownConnectionIsDroppedAsReceiveDropsIt() async throws {
        try await EngineWorld.withNode(joined: Users.alice) { _, node, alice in
            _ = alice.drain()
            #expect(await node.receiveWithoutWaiting(.ping(Ping(rid: 1)), from: "node-1/0/c999"))
            #expect(await node.metrics.messagesIn == 1)
            #expect(alice.drain().isEmpty)
        }
    }
}
