import CHiredis
import TandemCore
import TandemEngine

/// One stream entry as `XREAD` returns it: its id and its field/value pairs, still raw bytes.
struct RedisStreamEntry: Sendable, Equatable {
    var id: RedisStreamID
    var fields: [(name: [UInt8], value: [UInt8])]

    func field(_ name: String) -> [UInt8]? {
        let wanted = Array(name.utf8)
        return fields.first { $0.name == wanted }?.value
    }

    static func == (lhs: RedisStreamEntry, rhs: RedisStreamEntry) -> Bool {
        lhs.id == rhs.id && lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// The entries of an `XREAD` reply for one stream (`nil` reply: the block timed out, no entries).
    static func entries(fromXREAD reply: RedisReply) throws(RedisError) -> [RedisStreamEntry] {
        switch reply {
        case .null:
            return []
        case .array(let streams):
            guard streams.count == 1, case .array(let pair) = streams[0], pair.count == 2,
                case .array(let items) = pair[1]
            else { throw shapeError("XREAD", reply) }
            var entries: [RedisStreamEntry] = []
            entries.reserveCapacity(items.count)
            for item in items {
                guard case .array(let parts) = item, parts.count == 2, let text = parts[0].text,
                    let id = RedisStreamID(text)
                else { throw shapeError("XREAD entry", item) }
                var fields: [(name: [UInt8], value: [UInt8])] = []
                if case .array(let flat) = parts[1] {
                    var index = 0
                    while index + 1 < flat.count {
                        if case .string(let name) = flat[index], case .string(let value) = flat[index + 1] {
                            fields.append((name, value))
                        }
                        index += 2
                    }
                }
                entries.append(RedisStreamEntry(id: id, fields: fields))
            }
            return entries
        case .error(let message):
            throw RedisError(code: REDIS_ERR_OTHER, message: "XREAD: \(message)")
        default:
            throw shapeError("XREAD", reply)
        }
    }

    /// What a reader makes of an entry.
    enum Decoded {
        case envelope(BackplaneEnvelope)
        /// Published by the reading node itself.
        case own
        /// Not an envelope; the reason is for the log.
        case malformed(String)
    }

    /// Reads the `origin` and `envelope` fields: the node's own entries are recognised by `origin` before
    /// any parsing, and an envelope must name the same origin as its field.
    func decode(skippingOrigin node: String, bytesMax: Int) -> Decoded {
        guard let origin = field("origin"), let bytes = field("envelope") else {
            return .malformed("it has no \"origin\" and \"envelope\" fields")
        }
        if origin.elementsEqual(node.utf8) { return .own }
        let envelope: BackplaneEnvelope
        do throws(BackplaneCodingError) {
            envelope = try BackplaneEnvelope(jsonBytes: bytes, limits: JSONParser.Limits(bytesMax: bytesMax))
        } catch {
            return .malformed("\(error)")
        }
        guard envelope.origin.utf8.elementsEqual(origin) else {
            let field = String(decoding: origin, as: UTF8.self)
            return .malformed("its origin field says \(field), its envelope \(envelope.origin)")
        }
        return .envelope(envelope)
    }

    static func shapeError(_ command: String, _ reply: RedisReply) -> RedisError {
        RedisError(
            code: REDIS_ERR_PROTOCOL,
            message: "\(command): unexpected reply shape \(String(describing: reply).prefix(200))"
        )
    }
}
