import TandemCore
import TandemRuntime

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
    /// ``snapshot()`` from outside the client. In the simulator, called on its loop thread (where every client's jobs
    /// run, one at a time, and the caller's job is the one running), it reads the client in place: the simulator's
    /// executor vouches for the isolation there, and a convergence check over 10,000 clients saves two jobs per
    /// client. Elsewhere (a live run's clients on their event loops) it hops to the client.
    public nonisolated func currentSnapshot() async -> ClientSnapshot {
        if let snapshot = snapshotOnLoop() { return snapshot }
        return await snapshot()
    }

    private nonisolated func snapshotOnLoop() -> ClientSnapshot? {
        guard let executor = environment.executor as? SimExecutor, executor.isOnLoopThread else { return nil }
        return assumeIsolated { $0.snapshot() }
    }

    public func snapshot() -> ClientSnapshot {
        ClientSnapshot(
            name: name, connected: connected, connecting: connection != nil && !connected, departed: departed, reconnectAllowed: reconnectAllowed,
            views: views.values.map {
                ClientSnapshot.View(key: $0.key, version: $0.version, fields: $0.shownFields, joined: $0.joined,
                                    resyncing: $0.resyncing, shown: $0.presence.shown)
            })
    }
}
