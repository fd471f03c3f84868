import TandemCore

/// What the checkers read of a client at one instant.
struct ClientSnapshot: Sendable {
    struct View: Sendable {
        var key: RecordKey
        var version: Int
        var fields: [String: JSONValue]
        var joined: Bool
        var resyncing: Bool
    }

    var name: String
    var connected: Bool
    var departed: Bool
    var reconnectAllowed: Bool
    var views: [View]
}

extension SimClient {
    func snapshot() -> ClientSnapshot {
        ClientSnapshot(
            name: name, connected: connected, departed: departed, reconnectAllowed: reconnectAllowed,
            views: views.values.map {
                ClientSnapshot.View(key: $0.key, version: $0.version, fields: $0.shownFields, joined: $0.joined,
                                    resyncing: $0.resyncing)
            })
    }
}
