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
    /// ``snapshot()`` from outside the client (see `reading`).
    public nonisolated func currentSnapshot() async -> ClientSnapshot { await reading { $0.snapshot() } }

    /// A stamp that moves whenever anything ``snapshot()`` reports to the convergence checks changes — the connection
    /// state, the set of views, or a view's version, values, joined or resyncing state — and only then (the largest
    /// of the client's and its views' ``ChangeStamp``s): a check that already compared this client under this stamp,
    /// against the same records, would find the same again.
    public func checkStamp() -> UInt64 {
        var largest = stamp
        for view in views.values where view.stamp > largest { largest = view.stamp }
        return largest
    }

    /// ``checkStamp()`` from outside the client (see `reading`).
    public nonisolated func currentCheckStamp() async -> UInt64 { await reading { $0.checkStamp() } }

    /// ``checkStamp()`` of each of `clients`, in their order. In the simulator, on its loop thread, each is read in
    /// place in one pass, without an async call per client (a settle sample reads 10,000 stamps); elsewhere, one hop
    /// to each client.
    ///
    /// In place as `readingOnLoop` reads, with its check made once for the pass rather than once per client (that
    /// check, and the closure `assumeIsolated` takes, were two thirds of what reading a stamp cost): on the loop thread,
    /// where the caller's job is the one running, every client whose serial executor is the loop's is idle. The call is
    /// `checkStamp` with its isolation cast away, as `SimPipe`'s target form calls its owner.
    public static func checkStamps(of clients: [SimClient]) async -> [UInt64] {
        var stamps: [UInt64] = []
        stamps.reserveCapacity(clients.count)
        let loop = clients.first?.loopExecutor.flatMap { $0.isOnLoopThread ? $0 : nil }
        let read = unsafeBitCast(
            { (client: isolated SimClient) in client.checkStamp() } as @Sendable (isolated SimClient) -> UInt64,
            to: (@Sendable (SimClient) -> UInt64).self)
        for client in clients {
            if let loop, client.loopExecutor === loop {
                stamps.append(read(client))
            } else {
                stamps.append(await client.currentCheckStamp())
            }
        }
        return stamps
    }

    /// Runs `read` as the client, from outside it. In the simulator, called on its loop thread (where every client's
    /// jobs run, one at a time, and the caller's job is the one running), in place: the simulator's executor vouches
    /// for the isolation there, and a convergence check over 10,000 clients saves two jobs per client. Elsewhere (a
    /// live run's clients on their event loops) after a hop to the client.
    private nonisolated func reading<Value: Sendable>(_ read: @Sendable (isolated SimClient) -> Value) async -> Value {
        if let value = readingOnLoop(read) { return value }
        return await read(self)
    }

    private nonisolated func readingOnLoop<Value: Sendable>(_ read: @Sendable (isolated SimClient) -> Value) -> Value? {
        guard let loopExecutor, loopExecutor.isOnLoopThread else { return nil }
        return assumeIsolated { read($0) }
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
