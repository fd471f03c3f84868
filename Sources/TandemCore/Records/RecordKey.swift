/// Names one record of one model; the unit of ordering (one gap-free version sequence per record).
public struct RecordKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let model: String
    public let recordID: String
    /// The record id's hash (`String.hashValue`, seeded per process like every `Hasher`), computed once with the key.
    /// A key is made once — decoded from a frame, or read from the store — and then looked up again and again: a
    /// change, a presence notice or a heartbeat's session reaches every node and is looked up in several dictionaries
    /// on each, so hashing the id's bytes on every lookup was most of what those lookups cost (5.6 % of a 10,000-user
    /// simulation's instructions). Never written anywhere: the trace and the wire see the strings only.
    private let recordHash: Int

    public init(model: String, recordID: String) {
        self.model = model
        self.recordID = recordID
        self.recordHash = recordID.hashValue
    }

    /// Only the record id, hashed once: keys that differ do so in it far more often than in the model. Keys of two
    /// models with the same id share a hash and are told apart by `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(recordHash) }

    /// What `Dictionary`, `Set` and the ordered collections ask of a key (the standard library's hook beneath
    /// `hash(into:)`): the record id's hash, already a `Hasher` output, mixed with the table's seed by SplitMix64's
    /// finalizer rather than by a fresh `Hasher` (a SipHash round and its finalization, about 150 instructions, on every
    /// lookup: 1.2 % of a 10,000-user simulation, where every node looks up the record of every change, presence notice
    /// and heartbeat session that reaches it). The finalizer spreads every bit of both over the result, so tables with
    /// different seeds still order their keys unrelatedly. Equal keys have equal `recordHash`es, so equal results.
    public func _rawHashValue(seed: Int) -> Int {
        var bits = UInt64(UInt(bitPattern: recordHash ^ seed))
        bits = (bits ^ (bits >> 30)) &* 0xBF58_476D_1CE4_E5B9
        bits = (bits ^ (bits >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: bits ^ (bits >> 31))
    }

    /// The hashes first: two different ids almost never share one, so a mismatch is decided without reading a string.
    public static func == (lhs: RecordKey, rhs: RecordKey) -> Bool {
        lhs.recordHash == rhs.recordHash && lhs.recordID == rhs.recordID && lhs.model == rhs.model
    }

    /// The collaboration session id of this record: the same on every node, so a client can resync
    /// on any node after a reconnect.
    ///
    /// Written byte by byte into one string (an id of up to 15 bytes is stored inline, with no allocation): string
    /// interpolation cost about 440 instructions per id, and every `model_changed` and presence notice a node sends
    /// names its session (1.3 % of a 10,000-user simulation).
    public var sessionID: String {
        var model = self.model
        var recordID = self.recordID
        return model.withUTF8 { model in
            recordID.withUTF8 { id in
                String(unsafeUninitializedCapacity: model.count + 1 + id.count) { bytes in
                    _ = bytes.initialize(fromContentsOf: model)
                    bytes[model.count] = UInt8(ascii: ":")
                    _ = bytes[(model.count + 1)...].initialize(fromContentsOf: id)
                    return model.count + 1 + id.count
                }
            }
        }
    }

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
