import TandemCore
import TandemEngine

/// Values the store tests write: small, readable, and covering every stored shape.
enum Samples {
    static let alice = UserRef(id: 1, username: "alice")
    static let bob = UserRef(id: 2, username: "bøb 🚀")
    static let key = RecordKey(model: "Contact", recordID: "42")

    static func change(
        _ key: RecordKey = key,
        version: Int,
        field: String = "title",
        value: JSONValue? = nil,
        changeID: String? = nil,
        atMillis: Int64? = nil,
        user: UserRef = alice
    ) -> ChangeEntry {
        ChangeEntry(
            changeID: changeID ?? "\(key.recordID)-c\(version)",
            key: key,
            field: field,
            version: version,
            baseVersion: version - 1,
            op: nil,
            oldValue: .int(version - 1),
            newValue: value ?? .int(version),
            user: user,
            timestampMillis: atMillis ?? Int64(1_000 * version),
            origin: .ws
        )
    }

    static func conflict(
        _ key: RecordKey = key,
        id: String = "k1",
        status: ConflictRecord.Status = .pending
    ) -> ConflictRecord {
        ConflictRecord(
            id: id,
            key: key,
            field: "title",
            fieldType: .string,
            policy: .manual,
            baseVersion: 1,
            localValue: "mine",
            remoteValue: "theirs",
            localUser: alice,
            remoteUser: bob,
            status: status,
            createdAtMillis: 5_000
        )
    }

    static func comment(_ id: String, text: String = "looks good", parentID: String? = nil) -> Comment {
        Comment(id: id, field: "title", text: text, parentID: parentID, user: alice, createdAtMillis: 7_000)
    }

    /// Deep, awkward JSON: unicode of every width, escapes, numbers at the edges of exactness, nulls, nesting.
    static let nestedJSON: JSONValue = [
        "emoji": "👩🏽‍💻 e\u{301} 日本語 עברית",
        "escapes": "quote \" backslash \\ tab \t newline \n bell \u{7}",
        "numbers": [0, -1, 0.1, 1e-7, 1.5e300, 9_007_199_254_740_992, -2.5],
        "nested": ["a": ["b": ["c": [nil, true, false, [:], []]]]],
        "": "empty key",
    ]
}
