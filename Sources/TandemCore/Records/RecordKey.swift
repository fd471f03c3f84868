/// Names one record of one model; the unit of ordering (one gap-free version sequence per record).
public struct RecordKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var model: String
    public var recordID: String

    public init(model: String, recordID: String) {
        self.model = model
        self.recordID = recordID
    }

    /// Only the record id: keys that differ do so in it far more often than in the model, and hashing both
    /// strings on every lookup was 9 % of a 10,000-user simulation's instructions (a change, a presence notice or
    /// a heartbeat's key is looked up in several dictionaries on every node it reaches). Keys of two models with
    /// the same id share a hash and are told apart by `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(recordID) }

    /// The collaboration session id of this record: the same on every node, so a client can resync
    /// on any node after a reconnect.
    public var sessionID: String { "\(model):\(recordID)" }

    /// Parses a session id back into its record key (`Contact:42` → model `Contact`, record `42`).
    public init?(sessionID: String) {
        guard let colon = sessionID.firstIndex(of: ":"), colon != sessionID.startIndex else { return nil }
        let recordID = sessionID[sessionID.index(after: colon)...]
        guard !recordID.isEmpty else { return nil }
        self.init(model: String(sessionID[..<colon]), recordID: String(recordID))
    }

    public var description: String { sessionID }

    public static func < (lhs: RecordKey, rhs: RecordKey) -> Bool {
        (lhs.model, lhs.recordID) < (rhs.model, rhs.recordID)
    }
}
