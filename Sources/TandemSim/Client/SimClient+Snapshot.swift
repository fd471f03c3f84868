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
    /// place in one pass (`readingOnLoop`, without an async call per client: a settle sample reads 10,000 stamps);
    /// elsewhere, one hop to each client.
    public static func checkStamps(of clients: [SimClient]) async -> [UInt64] {
        var stamps: [UInt64] = []
        stamps.reserveCapacity(clients.count)
        for client in clients {
            if let stamp = client.readingOnLoop({ $0.checkStamp() }) {
                stamps.append(stamp)
            } else {
                stamps.append(await client.currentCheckStamp())
            }
        }
        return stamps
    }

    /// Runs `read` as the client, from outside it. In the simulator, called on its loop thread (where every client's
    /// jobs run, one at a time, and the caller's job is the one running), in place: a convergence check over 10,000
    /// clients saves two jobs per client. Elsewhere (a live run's clients on their event loops) after a hop to the
    /// client.
    private nonisolated func reading<Value: Sendable>(_ read: @Sendable (isolated SimClient) -> Value) async -> Value {
        if let value = readingOnLoop(read) { return value }
        return await read(self)
    }

    /// `read` as the client, in place, when called on the loop thread of the simulator the client runs on; else nil.
    ///
    /// Why in place is safe there: the client's serial executor is the simulator's, whose jobs run only on that thread,
    /// one at a time, and the caller's job is the one running, so the client is idle. That is the check
    /// `assumeIsolated` makes (`SimExecutor.checkIsolated`), made here once, by thread; the call is then `read` with its
    /// isolation cast away, as `SimPipe`'s target form calls its owner. (With `assumeIsolated`'s executor lookup a check
    /// stamp read in place cost about 940 instructions, now about 435: a settle sample reads 10,000.)
    private nonisolated func readingOnLoop<Value: Sendable>(_ read: @Sendable (isolated SimClient) -> Value) -> Value? {
        guard let loopExecutor, loopExecutor.isOnLoopThread else { return nil }
        return withoutActuallyEscaping(read) { read in
            unsafeBitCast(read, to: (@Sendable (SimClient) -> Value).self)(self)
        }
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
