import TandemCore
import TandemLive
import TandemWire
import Testing

/// `FrameScan`, tandem-load's only parse of a server frame, against the server's own codec: the type, version and
/// change id of every message the load clients read, and nothing taken from inside a value.
@Suite struct FrameScanTests {
    let codec = WireCodec()
    let alice = UserRef(id: 7, username: "alice")

    func scan(_ message: ServerMessage) -> FrameScan {
        scan(codec.encodeServerBytes(message))
    }

    func scan(_ bytes: [UInt8]) -> FrameScan {
        bytes.withUnsafeBytes { FrameScan($0) }
    }

    func changed(version: Int, value: JSONValue, changeID: String?) -> ServerMessage {
        .modelChanged(ModelChanged(
            sessionID: "Contact:1", model: "Contact", recordID: 1, field: "settings", version: version,
            edit: .value(value), user: alice, timestamp: 1_700_000_000_000, origin: .ws, changeID: changeID))
    }

    @Test func aDeliveryGivesItsVersionAndTheLoadClientsChangeID() {
        let frame = scan(changed(version: 42, value: 7, changeID: "load-12-345"))
        #expect(frame.type == .modelChanged)
        #expect(frame.version == 42)
        #expect(frame.changeID == FrameScan.ChangeID(client: 12, sequence: 345))
    }

    @Test func anAckGivesItsVersionAndChangeID() {
        let frame = scan(.ack(Ack(rid: 3, version: 9, changeID: "load-0-1")))
        #expect(frame.type == .ack)
        #expect(frame.version == 9)
        #expect(frame.changeID == FrameScan.ChangeID(client: 0, sequence: 1))
    }

    @Test func keysInsideAValueDoNotCount() {
        // A field value that carries the very keys the scan reads, before and after the envelope's own.
        let value: JSONValue = [
            "type": "ack", "version": 999, "change_id": "load-5-5", "nested": ["type": "error", "code": "x"],
            "quoted": .string(#"\"type\":\"error\", \"version\":1"#),
        ]
        let frame = scan(changed(version: 3, value: value, changeID: "load-1-2"))
        #expect(frame.type == .modelChanged)
        #expect(frame.version == 3)
        #expect(frame.changeID == FrameScan.ChangeID(client: 1, sequence: 2))
        #expect(frame.errorCode == nil)
    }

    @Test func aChangeIDNotOfTheLoadShapeIsNone() {
        for id in ["c-1", "load-1", "load-x-2", "load-1-2-3", "load-1-"] {
            #expect(scan(changed(version: 1, value: 1, changeID: id)).changeID == nil, "\(id)")
        }
        #expect(scan(changed(version: 1, value: 1, changeID: nil)).changeID == nil)
    }

    @Test func joinedConfirmedAndErrorsAreTold() {
        let joined = scan(.joined(Joined(
            sessionID: "Contact:1", model: "Contact", recordID: 1, version: 17, fields: ["age": ["version": 2]],
            fieldVersions: ["age": 17], participants: [], comments: [], readOnly: false, rid: 1)))
        #expect(joined.type == .joined)
        #expect(joined.version == 17)
        let confirmed = scan(.connectionConfirmed(ConnectionConfirmed(
            connectionID: "c1", user: alice, serverTime: 1, heartbeatMs: 30_000)))
        #expect(confirmed.type == .connectionConfirmed)
        let error = scan(.error(ErrorMessage(code: .notJoined, message: #"not joined to "Contact:1""#, rid: 4)))
        #expect(error.type == .error)
        #expect(error.errorCode == "not_joined")
        #expect(scan(.pong(Pong(serverTime: 1, rid: 2))).type == .other)
    }

    @Test func whitespaceAndTruncatedFramesAreHandled() {
        let spaced = Array(#"{ "type" : "ack", "version" : 5, "change_id" : "load-2-3" }"#.utf8)
        let frame = scan(spaced)
        #expect(frame.type == .ack)
        #expect(frame.version == 5)
        #expect(frame.changeID == FrameScan.ChangeID(client: 2, sequence: 3))
        let whole = codec.encodeServerBytes(changed(version: 8, value: "x", changeID: "load-4-4"))
        for length in 0..<whole.count {
            _ = scan(Array(whole.prefix(length)))  // never reads past the end (the test runs under bounds checks)
        }
        #expect(scan(Array("not json".utf8)).type == .other)
    }
}
