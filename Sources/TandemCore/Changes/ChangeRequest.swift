/// A change to one field as the engine receives it, from a socket, from REST or from a resolution.
public struct ChangeRequest: Sendable, Hashable {
    /// What the author sent: an ot.js op (text fields only) or the field's whole new value.
    public enum Payload: Sendable, Hashable {
        case op(TextOperation)
        case value(JSONValue)
    }

    public var changeID: String
    public var key: RecordKey
    public var field: String
    public var baseVersion: Int
    public var payload: Payload
    public var user: UserRef
    public var origin: ChangeOrigin
    public var timestampMillis: Int64
    /// May write a deleted record, creating it again (REST `POST` of a deleted id); other changes to a deleted
    /// record are refused with `not_found`.
    public var createsRecord: Bool

    public init(
        changeID: String, key: RecordKey, field: String, baseVersion: Int, payload: Payload, user: UserRef,
        origin: ChangeOrigin, timestampMillis: Int64, createsRecord: Bool = false
    ) {
        self.changeID = changeID
        self.key = key
        self.field = field
        self.baseVersion = baseVersion
        self.payload = payload
        self.user = user
        self.origin = origin
        self.timestampMillis = timestampMillis
        self.createsRecord = createsRecord
    }
}

/// Why the engine refused a request: a protocol error code and a message naming what was wrong.
public struct ChangeRejection: Error, Sendable, Hashable {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `not_found`: the record was deleted at `version` (after the request's `base`, when one is given).
    public static func deleted(_ key: RecordKey, at version: Int, after base: Int? = nil) -> ChangeRejection {
        let what = "\(key.model) \"\(key.recordID)\" was deleted at version \(version)"
        return ChangeRejection(.notFound, base.map { "\(what), after base_version \($0)" } ?? what)
    }
}

/// What the engine does with a change: commit it (perhaps after settling a conflict by policy), hold it
/// as a manual conflict, or refuse it.
///
/// `indirect` (one pointer instead of 513 bytes): the node holds it across awaits, and every byte an async
/// frame holds is kept by each connection's task (`CollaborationNode.settle`).
public indirect enum ChangeOutcome: Sendable, Hashable {
    case commit(ChangeEntry, autoResolved: ConflictRecord?)
    case conflict(ConflictRecord)
    case rejected(ChangeRejection)
}
