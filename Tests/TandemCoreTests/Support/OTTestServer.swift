import TandemCore

/// The server side of one text field, as PROTOCOL.md states it, for driving ``OTClientState`` in tests.
///
/// Every commit takes the record's next version. A change to another field takes a version too but
/// leaves no text op, so versions seen by a text field skip.
struct OTTestServer {
    private(set) var text: String
    /// The text op committed at each version after the first, or `nil` for another field's change.
    private(set) var history: [TextOperation?] = []
    /// The text at each version, from `initialVersion` on.
    private(set) var snapshots: [String]
    let initialVersion: Int

    init(text: String, version: Int) {
        self.text = text
        self.snapshots = [text]
        self.initialVersion = version
    }

    var version: Int { initialVersion + history.count }

    func text(atVersion version: Int) -> String {
        snapshots[version - initialVersion]
    }

    /// Commits `operation` based on `baseVersion`: the incoming op is `a`, each committed op since is `b`.
    /// Returns the op as committed and its version.
    mutating func commit(
        _ operation: TextOperation, baseVersion: Int
    ) throws(TextOperationError) -> (operation: TextOperation, version: Int) {
        var incoming = operation
        for committed in history[(baseVersion - initialVersion)...] {
            guard let committed else { continue }
            incoming = try TextOperation.transform(incoming, committed).0
        }
        text = try incoming.apply(to: text)
        history.append(incoming)
        snapshots.append(text)
        return (incoming, version)
    }

    /// Commits a change to another field of the record; returns its version.
    mutating func commitOtherField() -> Int {
        history.append(nil)
        snapshots.append(text)
        return version
    }
}
