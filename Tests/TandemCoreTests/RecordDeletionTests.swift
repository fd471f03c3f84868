import Testing
import TandemCore

/// A deletion as a change of the record: what it does to the state, and which changes the resolver refuses after.
@Suite struct RecordDeletionTests {
    static let key = RecordKey(model: "Contact", recordID: "7")
    static let model = ModelRegistry.demo["Contact"]!
    static let user = UserRef(id: 1, username: "ada")

    static func request(_ field: String, _ value: JSONValue, base: Int, creates: Bool = false) -> ChangeRequest {
        ChangeRequest(changeID: "c-\(field)-\(base)", key: key, field: field, baseVersion: base, payload: .value(value),
                      user: user, origin: .ws, timestampMillis: 0, createsRecord: creates)
    }

    /// Resolves against `record`, with `history` the changes since the request's base.
    static func resolve(_ request: ChangeRequest, _ record: RecordState, _ history: [ChangeEntry]) -> ChangeOutcome {
        ChangeResolver.resolve(request, field: model.field(request.field)!, record: record, history: history)
    }

    /// A record with `name` and `age` written (v1, v2), then deleted (v3); and its log.
    static func deletedRecord() -> (RecordState, [ChangeEntry]) {
        var record = model.emptyRecord(id: key.recordID)
        var log: [ChangeEntry] = []
        for (field, value) in [("name", JSONValue.string("Ada")), ("age", 36)] {
            guard case .commit(let change, _) = resolve(request(field, value, base: record.version), record, []) else {
                Issue.record("\(field) was not committed")
                return (record, log)
            }
            record.apply(change)
            log.append(change)
        }
        let deletion = ChangeEntry.deletion(of: record, changeID: "d", baseVersion: 2, user: user, timestampMillis: 0,
                                            origin: .rest)
        record.apply(deletion)
        log.append(deletion)
        return (record, log)
    }

    @Test func theFirstChangeIsAnInsertAndLaterOnesAreUpdates() {
        let (_, log) = Self.deletedRecord()
        #expect(log.map(\.kind) == [.insert, .update, .delete])
        #expect(log.map(\.kind.columnValue) == ["INSERT", "UPDATE", "DELETE"])
        #expect(ChangeKind(columnValue: "DELETE") == .delete)
        #expect(ChangeKind(columnValue: "TRUNCATE") == nil)
    }

    @Test func aDeletionTakesTheNextVersionAndClearsEveryField() {
        let (record, log) = Self.deletedRecord()
        #expect(record.version == 3)
        #expect(record.deleted && !record.exists)
        #expect(record.fields.isEmpty && record.fieldVersions.isEmpty)
        #expect(log[2].oldValue["name"] == "Ada")
        #expect(log[2].oldValue["age"] == 36)
        #expect(log[2].newValue == .null)
        #expect(log[2].field == "")
        #expect(Self.model.completing(record) == record, "a deleted record gains no defaults")
        #expect(record.nextChangeKind == .insert)
    }

    @Test func changesToADeletedRecordAreNotFound() {
        let (record, log) = Self.deletedRecord()
        #expect(Self.resolve(Self.request("name", "Grace", base: 3), record, [])
                == .rejected(ChangeRejection.deleted(Self.key, at: 3)))
        let stale = Self.resolve(Self.request("age", 40, base: 2), record, [log[2]])
        #expect(stale == .rejected(ChangeRejection.deleted(Self.key, at: 3, after: 2)))
        #expect(ChangeRejection.deleted(Self.key, at: 3, after: 2).message
                == "Contact \"7\" was deleted at version 3, after base_version 2")
    }

    @Test func onlyARequestThatCreatesTheRecordBringsItBackFromTheDeletionsVersion() {
        var (record, log) = Self.deletedRecord()
        let fromBefore = Self.resolve(Self.request("name", "Grace", base: 2, creates: true), record, [log[2]])
        #expect(fromBefore == .rejected(ChangeRejection.deleted(Self.key, at: 3, after: 2)))
        guard case .commit(let insert, nil) = Self.resolve(Self.request("name", "Grace", base: 3, creates: true), record, [])
        else {
            Issue.record("creating the record again was refused")
            return
        }
        #expect(insert.kind == .insert && insert.version == 4)
        record.apply(insert)
        log.append(insert)
        #expect(record.exists)
        #expect(record.fields == ["name": "Grace"])
        // A change based on the old incarnation stays refused even though the id exists again.
        let old = Self.resolve(Self.request("age", 40, base: 2), record, Array(log[2...]))
        #expect(old == .rejected(ChangeRejection.deleted(Self.key, at: 3, after: 2)))
        guard case .commit(let update, _) = Self.resolve(Self.request("age", 40, base: 4), record, []) else {
            Issue.record("a change to the record created again was refused")
            return
        }
        #expect(update.kind == .update)
    }

    @Test func aDeletedRecordsConflictsCannotBeSettled() {
        let (record, _) = Self.deletedRecord()
        let conflict = ConflictRecord(
            id: "k", key: Self.key, field: "name", fieldType: .string, policy: .manual, baseVersion: 1,
            localValue: "mine", remoteValue: "theirs", localUser: Self.user, remoteUser: nil, status: .pending,
            createdAtMillis: 0)
        #expect(throws: ChangeRejection.deleted(Self.key, at: 3)) {
            try ConflictSettlement.resolve(conflict, choice: .local, mergedValue: nil, field: Self.model.field("name")!,
                                           record: record, user: Self.user, changeID: "r", timestampMillis: 0)
        }
    }
}
