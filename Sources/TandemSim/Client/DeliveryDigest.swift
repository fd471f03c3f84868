import TandemCore

/// A stable 64-bit digest of what a client was sent: the message type and everything in it that a person or a
/// checker could observe (versions, values, ops, change ids, users, conflicts, comments, errors), so two runs that
/// deliver different contents never share a trace hash by accident.
///
/// FNV-1a over tagged fields, the same in every process and build (Swift's `Hasher` is seeded per process). Wall
/// timestamps are left out: they derive from the virtual time the trace already mixes; so is `model_changed`'s
/// `old_value`, the value the versions before it already set (hashing a long text's old value per delivery doubled
/// the run time of scale-1000x10). A JSON object's members
/// are combined by addition of their own digests, so member order (which the wire codec does not keep) does not
/// matter and nothing is sorted per delivery.
public struct DeliveryDigest: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The digest of one message, as the trace mixes it.
    public static func of(_ message: ServerMessage) -> UInt64 {
        var digest = DeliveryDigest()
        digest.mix(message.typeName)
        digest.mix(message)
        return digest.value
    }

    private mutating func mix(_ byte: UInt8) { value = (value ^ UInt64(byte)) &* Self.prime }

    private mutating func mix(_ number: UInt64) {
        var rest = number
        for _ in 0..<8 {
            mix(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    private mutating func mix(_ number: Int) { mix(UInt64(bitPattern: Int64(number))) }

    private mutating func mix(_ flag: Bool) { mix(UInt8(flag ? 1 : 0)) }

    /// The string's bytes, then their count, so that adjacent strings cannot trade bytes. Read in place (a mutable
    /// copy for `withUTF8` retained and released every long string mixed: two atomic operations per field per fan-out).
    private mutating func mix(_ text: String) {
        var hash = value
        let count = text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* Self.prime }
            return bytes.count
        } ?? {
            var count = 0
            for byte in text.utf8 {
                hash = (hash ^ UInt64(byte)) &* Self.prime
                count += 1
            }
            return count
        }()
        value = hash
        mix(count)
    }

    private mutating func mix(_ text: String?) {
        mix(text != nil)
        if let text { mix(text) }
    }

    private mutating func mix(_ json: JSONValue?) {
        guard let json else { return mix(UInt8(0xFF)) }
        switch json {
        case .null: mix(UInt8(0))
        case .bool(let flag):
            mix(UInt8(1))
            mix(flag)
        case .number(let number):
            mix(UInt8(2))
            mix(number == 0 ? 0 : number.bitPattern)  // -0 and 0 print alike
        case .string(let text):
            mix(UInt8(3))
            mix(text)
        case .array(let items):
            mix(UInt8(4))
            mix(items.count)
            for item in items { mix(item) }
        case .object(let members):
            mix(UInt8(5))
            mix(members.count)
            var sum: UInt64 = 0
            for (name, member) in members {
                var pair = DeliveryDigest()
                pair.mix(name)
                pair.mix(member)
                sum &+= pair.value
            }
            mix(sum)
        }
    }

    private mutating func mix(_ rid: RequestID?) {
        switch rid {
        case nil: mix(UInt8(0))
        case .string(let text)?:
            mix(UInt8(1))
            mix(text)
        case .integer(let number)?:
            mix(UInt8(2))
            mix(number)
        }
    }

    private mutating func mix(_ participant: Participant) {
        mix(participant.userID)
        mix(participant.focus)
    }

    private mutating func mix(_ message: ServerMessage) {
        switch message {
        case .connectionConfirmed(let confirmed):
            mix(confirmed.protocolVersion)
            mix(confirmed.connectionID)
            mix(confirmed.user.id)
            mix(confirmed.heartbeatMs)
        case .joined(let joined):
            mix(joined.sessionID)
            mix(joined.version)
            mix(JSONValue.object(joined.fields))
            mix(JSONValue.object(joined.fieldVersions.mapValues { .number(Double($0)) }))
            mix(joined.participants.count)
            for participant in joined.participants { mix(participant) }
            mix(joined.comments.count)
            for comment in joined.comments { mix(comment.id) }
            mix(joined.readOnly)
            mix(joined.recovered.map { $0 ? "recovered" : "not recovered" })
            mix(joined.deleted == true)
            mix(joined.rid)
        case .userJoined(let joined):
            mix(joined.sessionID)
            mix(joined.user)
        case .userLeft(let left):
            mix(left.sessionID)
            mix(left.user)
        case .modelChanged(let change):
            mix(change.sessionID)
            mix(change.field)
            mix(change.version)
            switch change.edit {
            case .op(let op):
                mix(UInt8(1))
                mix(op)
            case .value(let value):
                mix(UInt8(2))
                mix(value)
            }
            mix(change.user.id)
            mix(change.origin.rawValue)
            mix(change.changeID)
            mix(change.changeType?.rawValue)
        case .ack(let ack):
            mix(ack.version)
            mix(ack.op)
            mix(ack.changeID)
            mix(ack.value)
            mix(ack.rid)
        case .cursorMoved(let moved):
            mix(moved.sessionID)
            mix(moved.user.id)
            mix(moved.field)
            mix(moved.state.rawValue)
            mix(moved.position?.index ?? -1)
            mix(moved.position?.end ?? -1)
        case .conflictDetected(let conflict):
            mix(conflict.sessionID)
            mix(conflict.conflictID)
            mix(conflict.field)
            mix(conflict.baseVersion)
            mix(conflict.localValue)
            mix(conflict.remoteValue)
            mix(conflict.remoteUser.id)
            mix(conflict.rid)
        case .conflictResolved(let resolved):
            mix(resolved.sessionID)
            mix(resolved.conflictID)
            mix(resolved.field)
            mix(resolved.choice.rawValue)
            mix(resolved.value)
            mix(resolved.user.id)
            mix(resolved.rid)
        case .commentAdded(let added):
            mix(added.sessionID)
            mix(added.comment.id)
            mix(added.comment.field)
            mix(added.comment.text)
            mix(added.comment.parentID)
            mix(added.comment.user.id)
            mix(added.rid)
        case .error(let error):
            mix(error.code.rawValue)
            mix(error.message)
            mix(error.rid)
        case .resynced(let resynced):
            mix(resynced.sessionID)
            mix(resynced.version)
            mix(resynced.recovered)
            for participant in resynced.participants ?? [] { mix(participant) }
            mix(resynced.rid)
        case .pong(let pong):
            mix(pong.rid)
        }
    }
}
