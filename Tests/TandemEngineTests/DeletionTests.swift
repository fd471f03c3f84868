import Testing
import TandemCore
import TandemEngine

/// Deleting a record is a change like any other: the record's next version, sequenced by the store, sent to
/// every participant in order; afterwards the record refuses joins and edits until it is created again.
@Suite struct DeletionTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    static func delete(
        _ node: CollaborationNode, base: Int? = nil, id: String = "del-1"
    ) async -> DeleteResult {
        await node.delete(key, baseVersion: base, user: Users.ada.ref, origin: .rest, changeID: id)
    }

    static func create(_ node: CollaborationNode, field: String, value: JSONValue, base: Int, id: String) async -> CommitResult {
        await node.commit(ChangeRequest(
            changeID: id, key: key, field: field, baseVersion: base, payload: .value(value), user: Users.ada.ref,
            origin: .rest, timestampMillis: 0, createsRecord: true))
    }

    /// A node with alice joined to `Contact:1` and its `name` written ("Ada", version 1).
    static func withWrittenRecord(
        configure: @escaping @Sendable (inout NodeConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (EngineWorld, CollaborationNode, TestClient) async throws -> Void
    ) async throws {
        try await EngineWorld.withNode(joined: Users.alice, configure: configure) { world, node, a in
            await a.change("name", value: "Ada", base: 0)
            try await body(world, node, a)
        }
    }

    @Test func participantsOnEveryNodeGetTheDeletionInVersionOrder() async throws {
        try await EngineWorld.withTwoNodes(joined: Users.alice, Users.bob) { world, node1, node2, a, b in
            await a.change("name", value: "Ada", base: 0)
            await a.change("age", value: 36, base: 1)
            try await world.settle()
            _ = a.drain()
            _ = b.drain()

            guard case .deleted(let deletion) = await Self.delete(node1) else {
                Issue.record("the deletion was not committed")
                return
            }
            try await world.settle()
            #expect(deletion.version == 3)
            #expect(deletion.kind == .delete)
            for client in [a, b] {
                let changes = client.drain().changes
                #expect(changes.map(\.version) == [3], "\(client.user.username)")
                let change = try #require(changes.first)
                #expect(change.changeType == .delete)
                #expect(change.origin == .rest)
                #expect(change.field == "")
                #expect(change.edit == .value(.null))
                #expect(change.oldValue?["name"] == "Ada")
                #expect(change.oldValue?["age"] == 36)
            }
            for node in [node1, node2] {
                let record = try #require(await node.record(Self.key))
                #expect(record.deleted && record.version == 3 && record.fields.isEmpty)
            }
            let stored = try #require(await world.store.loadRecord(Self.key))
            #expect(stored.deleted && stored.version == 3)
            #expect(await world.store.log(Self.key).map(\.kind) == [.insert, .update, .delete])
        }
    }

    @Test func aDeletedRecordRefusesEditsCommentsJoinsAndASecondDeletion() async throws {
        try await Self.withWrittenRecord { world, node, a in
            _ = await Self.delete(node)
            _ = a.drain()

            await a.change("name", value: "Grace", base: 2, rid: "after")
            await a.send(.comment(CommentRequest(sessionID: "Contact:1", field: "name", text: "hello?", rid: "c")))
            let errors = a.drain().errors
            #expect(errors.map(\.code) == [.notFound, .notFound])
            #expect(errors.first?.message.contains("was deleted at version 2") == true, "\(errors)")
            #expect(errors.map(\.rid) == [RequestID.string("after"), RequestID.string("c")])

            let late = await TestClient.connect(Users.bob, to: node)
            _ = late.drain()
            await late.send(.joinCollaboration(JoinCollaboration(model: "Contact", recordID: 1, rid: 9)))
            let refused = late.drain()
            #expect(refused.compactMap { if case .joined(let j) = $0 { return j } else { return nil } }.isEmpty)
            #expect(refused.errors.map(\.code) == [.notFound])
            #expect(refused.errors.first?.message.contains("deleted") == true)

            #expect(await Self.delete(node, id: "del-2") == .rejected(ChangeRejection.deleted(Self.key, at: 2)))
            let never = await node.delete(
                RecordKey(model: "Contact", recordID: "nobody"), baseVersion: nil, user: Users.ada.ref, origin: .rest,
                changeID: "del-3")
            guard case .rejected(let rejection) = never else {
                Issue.record("deleting a record nobody wrote was not refused: \(never)")
                return
            }
            #expect(rejection.code == .notFound)
            #expect(await world.store.log(Self.key).count == 2)
        }
    }

    @Test func aDeletionWithAStaleBaseVersionDeletesNothing() async throws {
        try await Self.withWrittenRecord { world, node, a in
            await a.change("name", value: "Ada L.", base: 1)
            #expect(await Self.delete(node, base: 1) == .changedSince(currentVersion: 2))
            #expect(await node.record(Self.key)?.deleted == false)
            guard case .deleted(let deletion) = await Self.delete(node, base: 2) else {
                Issue.record("a deletion at the current version was not committed")
                return
            }
            #expect(deletion.version == 3)
        }
    }

    @Test func aRetriedDeletionIsAnsweredWithTheCommittedOne() async throws {
        try await Self.withWrittenRecord { world, node, a in
            let first = await Self.delete(node)
            let retried = await Self.delete(node)
            #expect(first == retried)
            #expect(await world.store.log(Self.key).count == 2)
        }
    }

    @Test func aCreatedAgainRecordStartsFromDefaultsAndRefusesChangesBasedBeforeTheDeletion() async throws {
        try await Self.withWrittenRecord { world, node, a in
            await a.change("age", value: 36, base: 1)
            _ = await Self.delete(node)

            // A plain change cannot bring it back; only one that creates the record may.
            let plain = await node.commit(ChangeRequest(
                changeID: "plain", key: Self.key, field: "name", baseVersion: 3, payload: .value("Zombie"),
                user: Users.ada.ref, origin: .rest, timestampMillis: 0))
            #expect(plain == .rejected(ChangeRejection.deleted(Self.key, at: 3)))
            guard case .committed(let insert) = await Self.create(node, field: "name", value: "Grace", base: 3, id: "new") else {
                Issue.record("creating the record again was refused")
                return
            }
            #expect(insert.version == 4)
            #expect(insert.kind == .insert)
            let record = try #require(await node.record(Self.key))
            #expect(!record.deleted)
            #expect(record.fields["name"] == "Grace")
            #expect(record.fields["age"] == ModelRegistry.demo["Contact"]?.field("age")?.defaultValue)

            _ = a.drain()
            await a.change("age", value: 99, base: 2, rid: "stale")
            let errors = a.drain().errors
            #expect(errors.map(\.code) == [.notFound])
            #expect(errors.first?.message.contains("deleted at version 3, after base_version 2") == true, "\(errors)")

            let b = await TestClient.connect(Users.bob, to: node)
            let joined = try #require(await b.join())
            #expect(joined.version == 4)
            #expect(joined.deleted == nil)
            #expect(joined.fields["name"] == "Grace")
        }
    }

    @Test func aConflictHeldBeforeADeletionCannotBeSettledOnTheRecordCreatedAgain() async throws {
        try await Self.withWrittenRecord { world, node, a in
            let b = await TestClient.connect(Users.bob, to: node)
            await b.join()
            await b.change("name", value: "Bob's name", base: 0)
            let conflict = try #require(b.drain().conflicts.first)
            _ = await Self.delete(node)
            _ = await Self.create(node, field: "age", value: 5, base: 2, id: "again")
            _ = b.drain()
            await b.send(.resolveConflict(ResolveConflict(
                sessionID: "Contact:1", conflictID: conflict.conflictID, choice: .local, rid: "settle")))
            let errors = b.drain().errors
            #expect(errors.map(\.code) == [.notFound])
            #expect(errors.first?.message.contains("deleted at version 2, after base_version 0") == true, "\(errors)")
            #expect(await node.record(Self.key)?.fields["name"] == "", "the old conflict's value never lands")
            #expect(await world.store.conflict(Self.key, id: conflict.conflictID)?.status == .pending)
        }
    }

    /// The window is not grown back for resyncs here (`historyReachCount` 0), so the last resync, after the prune,
    /// is past what the node holds too.
    @Test func aClientAwayDuringTheDeletionLearnsOfItByResync() async throws {
        try await Self.withWrittenRecord(configure: {
            $0.limits.historyWindowCount = 1
            $0.limits.historyReachCount = 0
        }) { world, node, a in
            let b = await TestClient.connect(Users.bob, to: node)
            await b.join()
            await node.disconnect(b.id)
            await a.change("age", value: 36, base: 1)
            _ = await Self.delete(node)

            let again = await TestClient.connect(Users.bob, to: node)
            await again.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 1, rid: 7)))
            let messages = again.drain()
            #expect(messages.changes.map(\.version) == [2, 3])
            #expect(messages.changes.last?.changeType == .delete)
            #expect(messages.resyncs.map(\.version) == [3] && messages.resyncs.map(\.recovered) == [true])
            #expect(messages.resyncs.map(\.rid) == [7] && messages.resyncs.first?.participants?.map(\.username) == ["alice", "bob"])

            await world.store.prune(Self.key, through: 3)
            let third = await TestClient.connect(Users.victor, to: node)
            await third.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 1)))
            let snapshot = third.drain().compactMap { if case .joined(let j) = $0 { return j } else { return nil } }
            #expect(snapshot.map(\.deleted) == [true])
            #expect(snapshot.first?.fields.isEmpty == true)
        }
    }
}
