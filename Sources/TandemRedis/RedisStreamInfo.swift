import CHiredis

/// What `XINFO STREAM` says about a stream that a reader needs to notice lost entries.
struct RedisStreamInfo: Sendable, Equatable {
    var length: Int64
    var lastGeneratedID: RedisStreamID
    /// How many entries the stream ever received, trimmed ones included (Redis 7+; nil on older servers).
    var entriesAdded: Int64?
    var firstEntryID: RedisStreamID?

    static func command(key: String) -> [[UInt8]] { ["XINFO", "STREAM", key].map { Array($0.utf8) } }

    /// Reads the stream's info; nil when the stream does not exist.
    static func read(_ connection: RedisConnection, key: String) throws(RedisError) -> RedisStreamInfo? {
        try RedisStreamInfo(reply: try connection.command(command(key: key)))
    }

    /// Parses an `XINFO STREAM` reply (RESP2: a flat name/value array); nil for "no such key".
    init?(reply: RedisReply) throws(RedisError) {
        switch reply {
        case .error(let message) where message.contains("no such key"):
            return nil
        case .error(let message):
            throw RedisError(code: REDIS_ERR_OTHER, message: "XINFO STREAM: \(message)")
        case .array(let flat):
            var members: [String: RedisReply] = [:]
            var index = 0
            while index + 1 < flat.count {
                if let name = flat[index].text { members[name] = flat[index + 1] }
                index += 2
            }
            guard let lastText = members["last-generated-id"]?.text, let last = RedisStreamID(lastText) else {
                throw RedisStreamEntry.shapeError("XINFO STREAM", reply)
            }
            guard case .integer(let length)? = members["length"] else {
                throw RedisStreamEntry.shapeError("XINFO STREAM", reply)
            }
            self.length = length
            lastGeneratedID = last
            if case .integer(let added)? = members["entries-added"] { entriesAdded = added }
            if case .array(let entry)? = members["first-entry"], let text = entry.first?.text {
                firstEntryID = RedisStreamID(text)
            }
        default:
            throw RedisStreamEntry.shapeError("XINFO STREAM", reply)
        }
    }

    /// Entries ever added before the first one still in the stream: where counting resumes after a loss.
    var offsetBeforeFirstEntry: Int64? { entriesAdded.map { $0 - length } }

    /// Why entries after `id` can no longer be read, or nil when none were lost. `offset` is how many
    /// entries the stream had received up to and including `id` (nil when unknown). Trimming removes the
    /// oldest entries, so the first entry left is number `entriesAdded - length + 1`; anything between the
    /// reader's offset and it is gone. (Redis 7.0 does not update `max-deleted-entry-id` when it trims.)
    func loss(after id: RedisStreamID, offset: Int64?) -> String? {
        if let entriesAdded, let offset {
            if entriesAdded < offset {
                return "the stream went back from \(offset) to \(entriesAdded) entries added (recreated or restored?)"
            }
            let missed = entriesAdded - length - offset
            return missed > 0 ? "\(missed) entries after \(id) were trimmed before they were read" : nil
        }
        if let firstEntryID, firstEntryID > id, id > .zero {
            return "the oldest entry is \(firstEntryID), after \(id): entries may have been trimmed"
        }
        return nil
    }
}
