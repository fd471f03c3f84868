import Testing
import TandemCore

/// `RecordKey` hashes its record id alone, once when the key is made (the engine looks keys up on every delivery): it
/// must still be a dictionary key exactly as the pair of strings is.
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

    /// However a key is made — from its parts or parsed from a session id — it finds the same entry; a thousand ids
    /// are a thousand keys, each found again.
    @Test func keysMadeEitherWayAreOneKeyAndManyIDsAreManyKeys() throws {
        let parsed = try #require(RecordKey(sessionID: "Contact:42"))
        #expect(parsed == RecordKey(model: "Contact", recordID: "42"))
        #expect(parsed.hashValue == RecordKey(model: "Contact", recordID: "42").hashValue)
        var table: [RecordKey: Int] = [:]
        for index in 0..<1_000 { table[RecordKey(model: "Contact", recordID: "\(index)")] = index }
        #expect(table.count == 1_000)
        for index in 0..<1_000 {
            #expect(table[try #require(RecordKey(sessionID: "Contact:\(index)"))] == index)
        }
        #expect(table[RecordKey(model: "Company", recordID: "42")] == nil)
    }

    /// The session id is the model, a colon and the id, byte for byte — short (stored inline) or long, ASCII or not —
    /// and parses back to the key.
    @Test func theSessionIDIsModelColonIDAndParsesBack() throws {
        let keys = [
            RecordKey(model: "Contact", recordID: "42"), RecordKey(model: "C", recordID: ""),
            RecordKey(model: "Contact", recordID: "1234567"),  // 15 bytes in all: the longest stored inline
            RecordKey(model: "Contact", recordID: "12345678"),
            RecordKey(model: "OrganisationMembership", recordID: "018f3c2a-7b1e-7c11-9a3e-0c1d2e3f4a5b"),
            RecordKey(model: "Caf\u{E9}", recordID: "r\u{E9}sum\u{E9}\u{1F600}"),
        ]
        for key in keys {
            #expect(key.sessionID == key.model + ":" + key.recordID)
            #expect(Array(key.sessionID.utf8) == Array(key.model.utf8) + [UInt8(ascii: ":")] + Array(key.recordID.utf8))
            #expect(key.description == key.sessionID)
            if !key.recordID.isEmpty { #expect(RecordKey(sessionID: key.sessionID) == key) }
        }
    }

    /// What tables ask of a key (`_rawHashValue(seed:)`, the cached hash mixed with the table's seed): equal keys give
    /// equal values under every seed, made either way and equal by Unicode equivalence alone; one key gives unrelated
    /// values under different seeds; and the keys of one table, moved in its order into others of other sizes, are all
    /// found there.
    @Test func tablesSeeEqualKeysAlikeAndSeedsApart() throws {
        let parsed = try #require(RecordKey(sessionID: "Contact:42"))
        let made = RecordKey(model: "Contact", recordID: "42")
        let composed = RecordKey(model: "Caf\u{E9}", recordID: "r\u{E9}sum\u{E9}")
        let decomposed = RecordKey(model: "Cafe\u{301}", recordID: "re\u{301}sume\u{301}")
        let seeds = [0, 1, 2, 0x5A5A, -1, Int.max]
        for seed in seeds {
            #expect(parsed._rawHashValue(seed: seed) == made._rawHashValue(seed: seed))
            #expect(composed._rawHashValue(seed: seed) == decomposed._rawHashValue(seed: seed))
        }
        #expect(Set(seeds.map { made._rawHashValue(seed: $0) }).count == seeds.count)
        var first: [RecordKey: Int] = [:]
        for index in 0..<5_000 { first[RecordKey(model: "Contact", recordID: "\(index)")] = index }
        for capacity in [10, 5_000, 40_000] {
            var second = [RecordKey: Int](minimumCapacity: capacity)
            for (key, value) in first { second[key] = value }
            #expect(second.count == 5_000)
            for index in stride(from: 0, to: 5_000, by: 7) {
                #expect(second[RecordKey(model: "Contact", recordID: "\(index)")] == index)
            }
        }
    }
}
