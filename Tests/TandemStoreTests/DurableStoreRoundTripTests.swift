import TandemCore
import TandemEngine
import TandemStore
import Testing

/// Every stored type comes back from SQLite and PostgreSQL exactly as it went in.
@Suite("Durable store round trips")
struct DurableStoreRoundTripTests {
    @Test(arguments: StoreKind.durable)
    func aTextChangeWithUnicodeAndNestedJSONRoundTrips(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            let op = TextOperation([.retain(2), .insert("👩🏽‍💻 naïve"), .delete(3), .retain(1)])
            var text = Samples.change(version: 1, field: "body", value: "hi👩🏽‍💻 naïve!")
            text.op = op
            text.oldValue = "hi abc!"
            text.conflictID = "k-ü"
            text.origin = .resolution
            text.user = Samples.bob
            let json = Samples.change(
                version: 2,
                field: "data",
                value: Samples.nestedJSON,
                changeID: "ID with spaces/ü"
            )
            #expect(try await store.append(text, autoResolved: nil) == .appended)
            #expect(try await store.append(json, autoResolved: nil) == .appended)
            #expect(try await store.changes(Samples.key, after: 0, limit: 5).changes == [text, json])
            #expect(try await store.change(Samples.key, id: "ID with spaces/ü") == json)
            let record = try #require(try await store.loadRecord(Samples.key))
            #expect(record.fields == ["body": "hi👩🏽‍💻 naïve!", "data": Samples.nestedJSON])
            #expect(record.fieldVersions == ["body": 1, "data": 2])
        }
    }

    @Test(arguments: StoreKind.durable)
    func aFullyResolvedConflictRoundTripsWithNullKeptDistinctFromNone(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            var conflict = Samples.conflict(id: "k-full", status: .resolved)
            conflict.fieldType = .json
            conflict.policy = .lastWriterWins
            conflict.localValue = Samples.nestedJSON
            conflict.remoteValue = .null
            conflict.remoteUser = nil
            conflict.paths = [["a", "b"], ["ü", ""]]
            conflict.resolution = .merged
            conflict.resolvedValue = .null
            conflict.valueBeforeResolution = ["x": [1, 2]]
            conflict.resolutionVersion = 7
            conflict.resolvedBy = Samples.bob
            conflict.resolvedAtMillis = 9_000
            #expect(try await store.saveConflict(conflict, with: nil) == .appended)
            #expect(try await store.conflict(Samples.key, id: "k-full") == conflict)
            let bare = Samples.conflict(id: "k-bare")
            #expect(try await store.saveConflict(bare, with: nil) == .appended)
            let stored = try #require(try await store.conflict(Samples.key, id: "k-bare"))
            #expect(stored == bare && stored.resolvedValue == nil)
        }
    }

    @Test(arguments: StoreKind.durable)
    func auditEventsRoundTripAndFeedTheSessionRow(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            let events = [
                AuditEvent(
                    kind: .sessionJoined,
                    key: Samples.key,
                    user: Samples.alice,
                    metadata: ["read_only": false],
                    createdAtMillis: 100
                ),
                AuditEvent(kind: .sessionJoined, key: Samples.key, user: Samples.bob, createdAtMillis: 110),
                AuditEvent(
                    kind: .fieldChanged,
                    key: Samples.key,
                    user: nil,
                    field: "title",
                    oldValue: .null,
                    newValue: Samples.nestedJSON,
                    createdAtMillis: 120
                ),
                AuditEvent(kind: .permissionDenied, key: Samples.key, user: Samples.bob, createdAtMillis: 999),
                AuditEvent(kind: .sessionLeft, key: Samples.key, user: Samples.alice, createdAtMillis: 130),
            ]
            try await store.appendAudit(events)
            try await store.appendAudit([])
            #expect(try await store.auditEvents(Samples.key) == events)
            let session = try #require(try await store.session(Samples.key))
            #expect(
                session
                    == StoredSession(
                        key: Samples.key,
                        status: .active,
                        createdBy: 1,
                        createdAtMillis: 100,
                        updatedAtMillis: 130,
                        participants: [Samples.bob]
                    )
            )
            #expect(try await store.session(RecordKey(model: "Contact", recordID: "never")) == nil)
        }
    }

    @Test(arguments: StoreKind.durable)
    func aRetriedCommentIsStoredOnce(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            let comment = Samples.comment("c1", text: "multi\nline 🧵 \"quoted\"", parentID: nil)
            try await store.appendComment(comment, to: Samples.key)
            try await store.appendComment(comment, to: Samples.key)
            #expect(try await store.comments(Samples.key) == [comment])
            #expect(try await store.rowCount(.comments) == 1)
        }
    }

    /// A repeated change id is answered with the change committed under it (see the conformance suite), and the
    /// database holds one row for it: nothing half-written by the refused retry.
    @Test(arguments: StoreKind.durable)
    func aDuplicateChangeIDForARecordWritesNoRow(kind: StoreKind) async throws {
        try await kind.withDurableStore { store throws in
            let first = Samples.change(version: 1, changeID: "same")
            #expect(try await store.append(first, autoResolved: nil) == .appended)
            #expect(try await store.append(Samples.change(version: 2, changeID: "same"), autoResolved: nil)
                    == .duplicate(first))
            #expect(try await store.rowCount(.changeLog) == 1)
            #expect(try await store.loadRecord(Samples.key)?.version == 1)
            #expect(try await store.append(Samples.change(version: 2), autoResolved: nil) == .appended)
            #expect(try await store.rowCount(.changeLog) == 2)
        }
    }
}
