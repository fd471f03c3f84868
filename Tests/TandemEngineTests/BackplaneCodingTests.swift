import TandemCore
import TandemEngine
import Testing

@Suite struct BackplaneCodingTests {
    static let key = RecordKey(model: "Contact", recordID: "42")
    static let alice = UserRef(id: 1, username: "alice")
    static let bob = UserRef(id: 2, username: "bøb \"the\" builder")

    static func change(op: TextOperation?, conflictID: String?) -> ChangeEntry {
        ChangeEntry(
            changeID: "ch-1",
            key: key,
            field: op == nil ? "tags" : "notes",
            version: 7,
            baseVersion: 5,
            op: op,
            oldValue: op == nil ? ["a", 1.5, nil, ["k": true]] : "hello",
            newValue: op == nil ? .array([]) : "hello world",
            user: alice,
            timestampMillis: 1_767_225_600_123,
            origin: .rest,
            conflictID: conflictID
        )
    }

    static var conflicts: [ConflictRecord] {
        let pending = ConflictRecord(
            id: "cf-1",
            key: key,
            field: "email",
            fieldType: .string,
            policy: .manual,
            baseVersion: 3,
            localValue: "a@x",
            remoteValue: nil,
            localUser: alice,
            remoteUser: nil,
            status: .pending,
            createdAtMillis: 10
        )
        var resolved = ConflictRecord(
            id: "cf-2",
            key: key,
            field: "meta",
            fieldType: .json,
            policy: .lastWriterWins,
            baseVersion: 4,
            localValue: ["a": 1],
            remoteValue: ["a": 2],
            localUser: alice,
            remoteUser: bob,
            paths: [["a"], ["b", "c"]],
            status: .rolledBack,
            createdAtMillis: 20
        )
        resolved.resolution = .merged
        resolved.resolvedValue = .null
        resolved.resolvedBy = bob
        resolved.valueBeforeResolution = ["a": 1]
        resolved.resolutionVersion = 9
        resolved.resolvedAtMillis = 30
        return [pending, resolved]
    }

    /// One message of every case, and every optional both present and absent.
    static var messages: [BackplaneMessage] {
        var op = TextOperation()
        op.retain(5)
        op.insert(" world")
        op.delete(0)
        var all: [BackplaneMessage] = [
            .committed(change(op: op, conflictID: nil)),
            .committed(change(op: nil, conflictID: "cf-9")),
            .committed(
                ChangeEntry.deletion(
                    of: RecordState(key: key, version: 8, fields: ["tags": ["a"]], fieldVersions: ["tags": 8]),
                    changeID: "rest-1", baseVersion: 8, user: bob, timestampMillis: 5, origin: .rest)
            ),
            .presence(key, .joined(alice, connection: "node-1/c1")),
            .presence(key, .left(connection: "node-1/c1")),
            .presence(
                key,
                .cursor(
                    bob,
                    connection: "node-2/c7",
                    field: "notes",
                    state: .focus,
                    position: CursorPosition(index: 3, end: 1)
                )
            ),
            .presence(key, .cursor(bob, connection: "node-2/c7", field: "notes", state: .blur, position: nil)),
            .presenceHeartbeat([]),
            .presenceHeartbeat([
                PresenceHeartbeatSession(
                    key: key,
                    version: 12,
                    entries: [
                        PresenceHeartbeatEntry(user: alice, connection: "n/c1", focus: "notes"),
                        PresenceHeartbeatEntry(user: bob, connection: "n/c2", focus: nil),
                    ]
                ),
                PresenceHeartbeatSession(key: RecordKey(model: "Deal", recordID: "x:y"), version: 0, entries: []),
            ]),
            .presenceHeartbeat([
                PresenceHeartbeatSession(
                    key: key, version: 3,
                    entries: [PresenceHeartbeatEntry(user: alice, connection: "n/c9", focus: nil)], query: true
                ),
            ]),
            .comment(
                key,
                Comment(
                    id: "cm-1",
                    field: "notes",
                    text: "line\nbreak ✓",
                    parentID: nil,
                    user: alice,
                    createdAtMillis: 99
                )
            ),
            .comment(
                key,
                Comment(
                    id: "cm-2",
                    field: "notes",
                    text: "reply",
                    parentID: "cm-1",
                    user: bob,
                    createdAtMillis: 100
                )
            ),
        ]
        all += conflicts.map { .conflictResolved($0) }
        return all
    }

    @Test(arguments: messages)
    func everyMessageRoundTripsThroughJSONBytes(_ message: BackplaneMessage) throws {
        let envelope = BackplaneEnvelope(origin: "node-1", message: message)
        let bytes = try envelope.jsonBytes()
        #expect(try BackplaneEnvelope(jsonBytes: bytes) == envelope)
        #expect(try envelope.jsonBytes() == bytes, "the encoding is deterministic")
    }

    @Test func aResolvedValueOfJSONNullIsKeptApartFromNoValue() throws {
        let decoded = try Self.conflicts.map { conflict in
            try BackplaneEnvelope(
                jsonBytes: try BackplaneEnvelope(origin: "n", message: .conflictResolved(conflict)).jsonBytes()
            )
        }
        guard case .conflictResolved(let pending) = decoded[0].message,
            case .conflictResolved(let resolved) = decoded[1].message
        else {
            Issue.record("wrong message type")
            return
        }
        #expect(pending.resolvedValue == nil)
        #expect(resolved.resolvedValue == .some(.null))
    }

    @Test func theFormatIsVersionedAndNamesTheType() throws {
        let bytes = try BackplaneEnvelope(origin: "node-1", message: .presence(Self.key, .left(connection: "c")))
            .jsonBytes()
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"key":{"model":"Contact","record_id":"42"},"notice":{"connection":"c","kind":"left"},"#
                + #""origin":"node-1","type":"presence","v":1}"#
        )
    }

    /// A heartbeat that asks nothing is written as before the `query` member existed, and one that asks is read by
    /// any version-1 reader (which ignores the member it does not know and applies the entries).
    @Test func aPresenceQueryIsAnOptionalMemberOfAHeartbeatSession() throws {
        func text(_ query: Bool) throws -> String {
            let session = PresenceHeartbeatSession(key: Self.key, version: 2, entries: [], query: query)
            return String(decoding: try BackplaneEnvelope(origin: "n", message: .presenceHeartbeat([session])).jsonBytes(),
                          as: UTF8.self)
        }
        let head = #"{"origin":"n","sessions":[{"entries":[],"key":{"model":"Contact","record_id":"42"},"#
        let tail = #""version":2}],"type":"presence_heartbeat","v":1}"#
        #expect(try text(false) == head + tail)
        #expect(try text(true) == head + #""query":true,"# + tail)
    }

    @Test(arguments: [
        (#"not json"#, BackplaneCodingError.Code.invalidJSON, "$"),
        (#"[1]"#, .wrongType, "$"),
        (#"{"origin":"n","type":"presence"}"#, .unsupportedVersion, "$.v"),
        (#"{"v":2,"origin":"n","type":"presence"}"#, .unsupportedVersion, "$.v"),
        (#"{"v":1,"origin":"n","type":"gossip"}"#, .unknownType, "$.type"),
        (#"{"v":1,"type":"presence"}"#, .missingField, "$.origin"),
        (
            #"{"v":1,"origin":"n","type":"presence","key":{"model":"M","record_id":1},"notice":{}}"#, .wrongType,
            "$.key.record_id"
        ),
        (
            #"{"v":1,"origin":"n","type":"presence","key":{"model":"M","record_id":"1"},"notice":{"kind":"wave"}}"#,
            .invalidValue, "$.notice.kind"
        ),
        (
            #"{"v":1,"origin":"n","type":"presence_heartbeat","sessions":[{"key":{"model":"M","record_id":"1"},"#
                + #""version":1.5,"entries":[]}]}"#,
            .wrongType, "$.sessions[0].version"
        ),
        (
            #"{"v":1,"origin":"n","type":"presence_heartbeat","sessions":[{"key":{"model":"M","record_id":"1"},"#
                + #""version":1,"entries":[],"query":"yes"}]}"#,
            .wrongType, "$.sessions[0].query"
        ),
        (#"{"v":1,"origin":"n","type":"committed","change":{"op":[0]}}"#, .invalidValue, "$.change.op"),
    ])
    func malformedInputIsATypedErrorNamingThePath(_ text: String, _ code: BackplaneCodingError.Code, _ path: String) {
        #expect {
            _ = try BackplaneEnvelope(jsonBytes: Array(text.utf8))
        } throws: { error in
            guard let error = error as? BackplaneCodingError else { return false }
            return error.code == code && error.path == path
        }
    }

    @Test func valuesWithoutAnExactJSONFormAreRefusedWhenEncoding() {
        var change = Self.change(op: nil, conflictID: nil)
        change.newValue = .number(.nan)
        #expect(throws: BackplaneCodingError.self) {
            _ = try BackplaneEnvelope(origin: "n", message: .committed(change)).jsonBytes()
        }
        change = Self.change(op: nil, conflictID: nil)
        change.version = Int.max
        #expect {
            _ = try BackplaneEnvelope(origin: "n", message: .committed(change)).jsonBytes()
        } throws: { error in
            (error as? BackplaneCodingError)?.path == "$.change.version"
        }
    }
}
