import TandemCore
import TandemSim
import Testing

/// The trace hashes each delivery's content, not only its type and version: two runs that deliver different
/// values, ops, change ids or users at the same versions get different hashes.
@Suite struct DeliveryDigestTests {
    static func changed(
        value: JSONValue = "Ada", version: Int = 7, changeID: String? = "c-1", user: Int = 1, timestamp: Int64 = 1_000
    ) -> ServerMessage {
        .modelChanged(ModelChanged(
            sessionID: "Contact:1", model: "Contact", recordID: 1, field: "name", version: version,
            edit: .value(value), oldValue: "Bo", user: UserRef(id: user, username: "u\(user)"), timestamp: timestamp,
            origin: .ws, changeID: changeID))
    }

    @Test func contentAtTheSameVersionChangesTheDigest() {
        let base = DeliveryDigest.of(Self.changed())
        #expect(DeliveryDigest.of(Self.changed()) == base, "stable for the same message")
        #expect(DeliveryDigest.of(Self.changed(value: "Eve")) != base)
        #expect(DeliveryDigest.of(Self.changed(value: 1)) != base)
        #expect(DeliveryDigest.of(Self.changed(changeID: "c-2")) != base)
        #expect(DeliveryDigest.of(Self.changed(changeID: nil)) != base)
        #expect(DeliveryDigest.of(Self.changed(user: 2)) != base)
        #expect(DeliveryDigest.of(Self.changed(version: 8)) != base)
        let ack = DeliveryDigest.of(.ack(Ack(rid: .integer(1), version: 7, changeID: "c-1", value: "Ada")))
        #expect(ack != base, "the type is part of the digest")
        #expect(DeliveryDigest.of(.ack(Ack(rid: .integer(1), version: 7, changeID: "c-1", value: "Eve"))) != ack)
        #expect(DeliveryDigest.of(.ack(Ack(rid: .string("1"), version: 7, changeID: "c-1", value: "Ada"))) != ack)
    }

    /// Wall timestamps come from the virtual clock the trace already mixes; the digest leaves them out.
    @Test func theWallTimestampIsNotContent() {
        #expect(DeliveryDigest.of(Self.changed(timestamp: 1_000)) == DeliveryDigest.of(Self.changed(timestamp: 2_000)))
    }

    /// The wire codec does not keep an object's member order, so the digest must not depend on it either.
    @Test func anObjectsMemberOrderDoesNotMatterButItsMembersDo() {
        let literal: [String: JSONValue] = ["a": 1, "b": "two", "c": [true, nil], "d": ["x": 1.5]]
        var built = [String: JSONValue](minimumCapacity: 256)
        for name in ["d", "c", "b", "a"] { built[name] = literal[name] }
        #expect(DeliveryDigest.of(Self.changed(value: .object(literal)))
                    == DeliveryDigest.of(Self.changed(value: .object(built))))
        built["b"] = "three"
        #expect(DeliveryDigest.of(Self.changed(value: .object(literal)))
                    != DeliveryDigest.of(Self.changed(value: .object(built))))
        #expect(DeliveryDigest.of(Self.changed(value: ["a", "b"])) != DeliveryDigest.of(Self.changed(value: ["b", "a"])),
                "an array's order is content")
    }
}
