import Testing
import TandemCore
import TandemEngine

@Suite struct ResyncTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    @Test func aReconnectedClientGetsEveryMissedChangeInOrder() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { _, node, a, b in
            await a.change("age", value: 1, base: 0)
            await node.disconnect(b.id)
            for version in 1..<6 { await a.change("age", value: .int(version + 1), base: version) }
            let again = await TestClient.connect(Users.bob, to: node)
            await again.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 1, rid: 4)))
            let messages = again.drain()
            #expect(messages.changes.map(\.version) == [2, 3, 4, 5, 6])
            let resynced = try #require(messages.resyncs.first)
            #expect(messages.resyncs == [Resynced(sessionID: "Contact:1", version: 6, recovered: true,
                                                  participants: resynced.participants, rid: 4)])
            #expect(resynced.participants?.map(\.username) == ["alice", "bob"])
            await a.change("age", value: 99, base: 6)
            #expect(again.drain().changes.map(\.version) == [7])
        }
    }

    /// A client that was away missed the `user_joined` and `user_left` of that time: `resynced` says who is here now.
    @Test func aResyncTellsWhoCameAndWentWhileTheClientWasAway() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { _, node, a, b in
            await node.disconnect(b.id)
            let ada = await TestClient.connect(Users.ada, to: node)
            await ada.join()
            await a.send(.leaveCollaboration(LeaveCollaboration(sessionID: "Contact:1")))
            let again = await TestClient.connect(Users.bob, to: node)
            await again.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 0, rid: 2)))
            let resynced = try #require(again.drain().resyncs.first)
            #expect(resynced.participants?.map(\.username).sorted() == ["ada", "bob"])
        }
    }

    /// Alice joined and made six changes on a node that keeps only the last two in memory.
    static func withSixChangesAndAWindowOfTwo(
        _ body: @escaping @Sendable (EngineWorld, CollaborationNode, TestClient) async throws -> Void
    ) async throws {
        try await EngineWorld.withNode(joined: Users.alice, configure: { $0.limits.historyWindowCount = 2 }) {
            world, node, a in
            for version in 0..<6 { await a.change("age", value: .int(version), base: version) }
            try await body(world, node, a)
        }
    }

    @Test func aResyncPastTheLogFallsBackToASnapshotAndSaysSo() async throws {
        try await Self.withSixChangesAndAWindowOfTwo { world, node, a in
            await world.store.prune(Self.key, through: 4)
            let b = await TestClient.connect(Users.bob, to: node)
            await b.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 1)))
            let messages = b.drain()
            #expect(messages.changes.isEmpty)
            let joined = messages.compactMap { if case .joined(let j) = $0 { return j } else { return nil } }
            #expect(joined.map(\.version) == [6])
            #expect(messages.resyncs.map(\.recovered) == [false])
        }
    }

    @Test func aResyncFromOutsideTheMemoryWindowReadsTheStore() async throws {
        try await Self.withSixChangesAndAWindowOfTwo { _, node, a in
            let b = await TestClient.connect(Users.bob, to: node)
            await b.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 0)))
            let messages = b.drain()
            #expect(messages.changes.map(\.version) == [1, 2, 3, 4, 5, 6])
            #expect(messages.resyncs.map(\.recovered) == [true])
        }
    }

    /// A retry that comes back after its change left the node's memory window (a client that was away, a node that
    /// restarted) is recognised by the store: acked at the version it was committed at, not committed twice.
    @Test func aRetryOlderThanTheMemoryWindowIsAckedOnceAndNotCommittedAgain() async throws {
        try await Self.withSixChangesAndAWindowOfTwo { world, node, a in
            let retried = FieldChange(sessionID: "Contact:1", field: "age", baseVersion: 6, edit: .value(70),
                                      rid: .integer(70), changeID: "alice-retried")
            _ = a.drain()
            await a.send(.fieldChange(retried))
            for version in 7..<10 { await a.change("age", value: .int(version * 10), base: version) }
            #expect(a.drain().acks.map(\.version) == [7, 8, 9, 10])
            await a.send(.fieldChange(retried))
            let acks = a.drain().acks
            #expect(acks.map(\.version) == [7], "the retry is acked at its first commit: \(acks)")
            #expect(await node.metrics.duplicateChanges == 1)
            #expect(await world.store.loadRecord(Self.key)?.version == 10)
            #expect(await world.store.changes(Self.key, after: 0, limit: 100).changes
                        .filter { $0.changeID == "alice-retried" }.count == 1)
        }
    }

    /// A change the store holds that this node never applied (another node wrote it and was killed before publishing
    /// it), retried here by its author after a reconnect: the node catches up first, so the author still sees every
    /// version once and in order, its own as the `ack`, and the record moves on from there. The ack used to go out
    /// at once, with the node behind: the author then got that version a second time when the node caught up.
    @Test func aRetryOfAChangeOnlyTheStoreHoldsIsAckedInVersionOrder() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { world, node, a, b in
            await a.change("age", value: 1, base: 0)
            _ = a.drain()
            _ = b.drain()
            func entry(_ id: String, _ field: String, _ value: JSONValue, version: Int, by user: UserIdentity) -> ChangeEntry {
                ChangeEntry(changeID: id, key: Self.key, field: field, version: version, baseVersion: version - 1, op: nil,
                            oldValue: nil, newValue: value, user: user.ref, timestampMillis: 0, origin: .ws)
            }
            #expect(await world.store.append(entry("alice-lost", "age", 2, version: 2, by: Users.alice), autoResolved: nil) == .appended)
            #expect(await world.store.append(entry("bob-elsewhere", "notes", "x", version: 3, by: Users.bob), autoResolved: nil) == .appended)
            await a.send(.fieldChange(FieldChange(sessionID: "Contact:1", field: "age", baseVersion: 1, edit: .value(2),
                                                  rid: .integer(9), changeID: "alice-lost")))
            try await world.settle()
            let toAlice = a.drain()
            #expect(toAlice.versions == [2, 3], "\(toAlice)")
            #expect(toAlice.acks.map(\.changeID) == ["alice-lost"])
            #expect(toAlice.acks.map(\.rid) == [.integer(9)])
            #expect(b.drain().versions == [2, 3])
            #expect(await node.metrics.duplicateChanges == 1)
            await a.change("age", value: 4, base: 3)
            #expect(a.drain().versions == [4])
            #expect(b.drain().versions == [4])
        }
    }

    /// A replay from the store longer than the client's outbound queue closes it as a slow consumer part way
    /// through; the node goes on (it used to trap on the dropped connection).
    @Test func aReplayThatOverflowsTheOutboundQueueClosesTheConnectionWith1013() async throws {
        try await Self.withSixChangesAndAWindowOfTwo { _, node, a in
            let b = await TestClient.connect(Users.bob, to: node, capacity: 4)
            await b.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 0)))
            #expect(b.transport.closeCode == 1013)
            #expect(b.drain().resyncs.isEmpty)
            #expect(await node.metrics.slowConsumersDropped == 1)
            _ = a.drain()
            await a.change("age", value: 99, base: 6)
            #expect(a.drain().contains { if case .ack(let ack) = $0 { ack.version == 7 } else { false } })
        }
    }
}

@Suite struct BackplaneTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    /// A node that opens a session knew nothing of the other nodes' participants (it ignores presence for sessions it
    /// does not hold): its first joiner must learn of them at once, not at their nodes' next heartbeats.
    @Test func theFirstJoinerOnANodeSeesOtherNodesParticipantsWithoutWaitingForAHeartbeat() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node1 = try await world.node("node-1", heartbeat: .seconds(15), timeout: .seconds(45))
            let node2 = try await world.node("node-2", heartbeat: .seconds(15), timeout: .seconds(45))
            let a = await TestClient.connect(Users.alice, to: node1)
            let b = await TestClient.connect(Users.bob, to: node2)
            await a.join()
            try await world.settle(.milliseconds(20))
            let snapshot = await b.join()
            #expect(snapshot?.participants.map(\.username) == ["bob"], "node-2 held no session: it knew only bob")
            try await world.settle(.milliseconds(20))
            #expect(b.drain().joins.map(\.user.username) == ["alice"])
            #expect(a.drain().joins.map(\.user.username) == ["bob"])
            #expect(await node2.participants(Self.key).map(\.username).sorted() == ["alice", "bob"])
            // A second joiner on node-2 asks nothing: the session is open and already knows alice.
            let c = await TestClient.connect(Users.ada, to: node2)
            #expect(await c.join()?.participants.map(\.username).sorted() == ["ada", "alice", "bob"])
            await node1.shutdown()
            await node2.shutdown()
        }
    }

    @Test func aChangeOnOneNodeReachesAClientOnAnotherInOrder() async throws {
        try await EngineWorld.withTwoNodes(joined: Users.alice, Users.bob) { world, _, _, a, b in
            try await world.settle()
            #expect(a.drain().joins.map(\.user.username) == ["bob"])
            for version in 0..<10 { await a.change("age", value: .int(version), base: version) }
            try await world.settle()
            #expect(b.drain().changes.map(\.version) == Array(1...10))
        }
    }

    @Test func concurrentChangesOnTwoNodesEndInOneGapFreeSequence() async throws {
        try await EngineWorld.withTwoNodes(joined: Users.alice, Users.bob) { world, node1, node2, a, b in
            try await world.settle()
            _ = a.drain()
            _ = b.drain()
            async let fromA: Void = {
                for round in 0..<20 { await a.change("notes", value: .string("a\(round)"), base: 0) }
            }()
            async let fromB: Void = {
                for round in 0..<20 { await b.change("age", value: .int(round), base: 0) }
            }()
            _ = await (fromA, fromB)
            try await world.settle(.milliseconds(10))
            let record1 = try #require(await node1.record(Self.key))
            let record2 = try #require(await node2.record(Self.key))
            #expect(record1.version == 40)
            #expect(record1 == record2)
            #expect(await world.store.loadRecord(Self.key).map(ModelRegistry.demo["Contact"]!.completing) == record1)
            let toA = a.drain()
            let toB = b.drain()
            #expect(toA.errors.isEmpty, "alice got \(toA.errors)")
            #expect(toB.errors.isEmpty, "bob got \(toB.errors)")
            #expect(toA.versions == Array(1...40))
            #expect(toB.versions == Array(1...40))
        }
    }

    @Test func aCrashedNodesUsersExpireOnTheOtherNodes() async throws {
        try await EngineWorld.withTwoNodes(joined: Users.alice, Users.bob) { world, node1, node2, a, _ in
            try await world.settle()
            #expect(await node1.participants(Self.key).map(\.username) == ["alice", "bob"])
            await node2.crash()
            for _ in 0..<5 {
                try await world.settle(.seconds(1))
                await a.send(.ping(Ping()))
            }
            #expect(a.drain().leaves.map(\.user.username) == ["bob"])
            #expect(await node1.participants(Self.key).map(\.username) == ["alice"])
        }
    }
}

/// Writes another application made in the database, which the node hears of as "the store holds version n"
/// (`storeAdvanced`, fed by PostgreSQL's notifications in the server).
@Suite struct OutsideWriteTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    static func outside(_ field: String, _ value: JSONValue, version: Int) -> ChangeEntry {
        ChangeEntry(changeID: "db-1-\(version)", key: key, field: field, version: version, baseVersion: version - 1,
                    op: nil, oldValue: nil, newValue: value, user: UserRef(id: 0, username: "postgres"),
                    timestampMillis: 0, origin: .db)
    }

    @Test func anAnnouncedWriteReachesEveryParticipantOnceInOrderAndOthersAreIgnored() async throws {
        try await EngineWorld.withNode(joined: Users.alice, Users.bob) { world, node, a, b in
            await a.change("age", value: 1, base: 0)
            _ = a.drain()
            _ = b.drain()
            for (version, field) in [(2, "email"), (3, "name")] {
                #expect(await world.store.append(Self.outside(field, .string("v\(version)"), version: version), autoResolved: nil) == .appended)
            }
            await node.storeAdvanced(Self.key, to: 3)
            try await world.settle()
            for client in [a, b] {
                let changes = client.drain().changes
                #expect(changes.map(\.version) == [2, 3], "\(changes)")
                #expect(changes.allSatisfy { $0.origin == .db && $0.user.username == "postgres" })
            }
            // Announced again, announced late, or for a record nobody has open: nothing more is sent.
            await node.storeAdvanced(Self.key, to: 3)
            await node.storeAdvanced(Self.key, to: 2)
            await node.storeAdvanced(RecordKey(model: "Contact", recordID: "2"), to: 1)
            // Announced ahead of what the store holds (cannot happen with PostgreSQL, which notifies at commit): the
            // catch-up finds nothing and stops.
            await node.storeAdvanced(Self.key, to: 9)
            try await world.settle()
            #expect(a.drain().changes.isEmpty && b.drain().changes.isEmpty)
            // After a lost connection to the database, every open session catches up from the log.
            #expect(await world.store.append(Self.outside("age", 40, version: 4), autoResolved: nil) == .appended)
            await node.catchUpFromStore()
            try await world.settle()
            #expect(a.drain().changes.map(\.version) == [4])
            #expect(b.drain().changes.map(\.version) == [4])
            await b.change("age", value: 41, base: 4)
            #expect(a.drain().changes.map(\.version) == [5])
        }
    }
}
