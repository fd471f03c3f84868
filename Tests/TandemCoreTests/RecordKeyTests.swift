import Testing
import TandemCore

/// `RecordKey` hashes its record id alone (the engine looks keys up on every delivery): it must still be a
/// dictionary key exactly as the pair of strings is.
struct RecordKeyTests {
    @Test func keysOfTwoModelsWithOneIDAreDifferentKeys() {
        let contact = RecordKey(model: "Contact", recordID: "7")
        let company = RecordKey(model: "Company", recordID: "7")
        #expect(contact != company)
        var sessions: [RecordKey: String] = [contact: "contact"]
        sessions[company] = "company"
        #expect(sessions.count == 2)
        #expect(sessions[RecordKey(model: "Contact", recordID: "7")] == "contact")
        #expect(sessions[RecordKey(model: "Company", recordID: "7")] == "company")
        #expect(sessions[RecordKey(model: "Contact", recordID: "8")] == nil)
        #expect(Set([contact, company, RecordKey(model: "Contact", recordID: "7")]).count == 2)
    }

    /// Equal keys hash equally, also when their strings are equal by Unicode canonical equivalence but not byte for
    /// byte (as `String` compares them): a hash of the id's raw bytes would break this.
    @Test func equalKeysHashEqually() {
        let composed = RecordKey(model: "Caf\u{E9}", recordID: "r\u{E9}sum\u{E9}")
        let decomposed = RecordKey(model: "Cafe\u{301}", recordID: "re\u{301}sume\u{301}")
        #expect(composed == decomposed)
        #expect(composed.hashValue == decomposed.hashValue)
        let table: [RecordKey: Int] = [composed: 1]
        #expect(table[decomposed] == 1)
    }
}
