import Testing
import TandemCore

/// The presence table's heartbeat: a touched connection outlives the timeout, an untouched one expires, and a touch
/// never adds anyone.
@Suite struct PresenceTableTests {
    static let ann = UserRef(id: 1, username: "ann")
    static let ben = UserRef(id: 2, username: "ben")
    static let second: Int64 = 1_000_000_000

    /// Ann with two tabs and Ben with one, all heard at 0.
    static func table() -> PresenceTable {
        var table = PresenceTable()
        table.join(user: ann, connection: "n/0/c1", nowNanos: 0)
        table.join(user: ann, connection: "n/0/c2", nowNanos: 0)
        table.join(user: ben, connection: "n/0/c3", nowNanos: 0)
        return table
    }

    @Test func touchingByOwnerKeepsExactlyThatConnectionAlive() {
        var byOwner = Self.table()
        byOwner.touch(connection: "n/0/c2", of: Self.ann.id, nowNanos: 4 * Self.second)
        // Only that connection's time moved (as the lookup through `owners` the node made before moved it).
        #expect(byOwner.entries[Self.ann.id]?.connections == ["n/0/c1": 0, "n/0/c2": 4 * Self.second])
        #expect(byOwner.entries[Self.ben.id]?.connections == ["n/0/c3": 0])
        let gone = byOwner.expire(nowNanos: 5 * Self.second, timeoutNanos: 3 * Self.second)
        #expect(gone == [Self.ben])
        #expect(byOwner.contains(connection: "n/0/c2"))
        #expect(!byOwner.contains(connection: "n/0/c1"))
        #expect(byOwner.entries.values.map(\.user) == [Self.ann])
    }

    @Test func aTouchNamingAnotherOwnerOrAnUnknownConnectionChangesNothing() {
        var table = Self.table()
        let before = table
        table.touch(connection: "n/0/c3", of: Self.ann.id, nowNanos: Self.second)  // Ben's tab, said to be Ann's
        table.touch(connection: "n/0/c9", of: Self.ann.id, nowNanos: Self.second)  // nobody's
        table.touch(connection: "n/0/c1", of: 7, nowNanos: Self.second)  // a user who is not here
        #expect(table == before)
        #expect(table.count == 2)
    }
}
