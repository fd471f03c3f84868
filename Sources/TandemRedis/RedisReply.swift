import CHiredis

/// One RESP2 reply, copied out of hiredis's reply tree so it outlives `freeReplyObject`.
///
/// hiredis 0.14 speaks RESP2 only, so there are no map, set, double or boolean replies. A Redis `-ERR`
/// is an ordinary reply (`.error`), not a connection failure.
package indirect enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case status(String)
    case error(String)
    case integer(Int64)
    case null
    case array([RedisReply])

    /// Copies a reply tree; the caller frees the top-level reply (which frees every element).
    init(copying reply: UnsafeMutablePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            self = .string(Array(UnsafeRawBufferPointer(start: value.str, count: value.len)))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: UnsafeRawBufferPointer(start: value.str, count: value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: UnsafeRawBufferPointer(start: value.str, count: value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(value.integer))
        case REDIS_REPLY_NIL:
            self = .null
        case REDIS_REPLY_ARRAY:
            self = .array((0..<value.elements).map { RedisReply(copying: value.element[$0]!) })
        default:
            self = .error("unknown reply type \(value.type)")
        }
    }

    /// The bytes of a bulk or status string as text.
    package var text: String? {
        switch self {
        case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }
}
