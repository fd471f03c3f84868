/// Names one record of one model; the unit of ordering (one gap-free version sequence per record).
public struct RecordKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var model: String
    public var recordID: String

    public init(model: String, recordID: String) {
        self.model = model
        self.recordID = recordID
    }

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
