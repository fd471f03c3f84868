/// The integer keys `EventStore.nextRecordID(model:)` counts: a record id of 1 to 18 ASCII digits (so it fits a
/// 64-bit integer in every store); any other id (a name, a UUID, a longer number) is left out of the sequence.
public enum RecordIDSequence {
    public static let digitsMax = 18

    /// The id's integer value when it is 1 to 18 ASCII digits (leading zeros allowed, as the stores' SQL reads it).
    public static func integer(_ recordID: String) -> Int? {
        let utf8 = recordID.utf8
        guard !utf8.isEmpty, utf8.count <= digitsMax, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(recordID)
    }
}
