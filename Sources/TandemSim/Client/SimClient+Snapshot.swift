import TandemCore

/// What the checkers read of a client at one instant.
public struct ClientSnapshot: Sendable {
    public struct View: Sendable {
        public var key: RecordKey
        public var version: Int
        public var fields: [String: JSONValue]
        public var joined: Bool
        public var resyncing: Bool
        /// The users this view shows as present, by id, sorted.
        public var shown: [Int]
    }

    public var name: String
    public var connected: Bool
    /// A connection is open or being opened, but not confirmed yet.
    public var connecting: Bool
    public var departed: Bool
    public var reconnectAllowed: Bool
    public var views: [View]
}

extension SimClient {
    public func snapshot() -> ClientSnapshot {
        ClientSnapshot(
            name: name, connected: connected, connecting: connection != nil && !connected, departed: departed, reconnectAllowed: reconnectAllowed,
            views: views.values.map {
                ClientSnapshot.View(key: $0.key, version: $0.version, fields: $0.shownFields, joined: $0.joined,
                                    resyncing: $0.resyncing, shown: $0.presence.shown)
            })
    }
}
