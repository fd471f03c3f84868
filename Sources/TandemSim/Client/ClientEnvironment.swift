import TandemCore
import TandemRuntime

/// The time a scenario client lives in: the simulator's virtual time, or the wall clock in a live run.
///
/// `sleep` takes the caller's isolation so that, under simulation, a client actor's timer resumes on the actor
/// without an extra hop (the event order, and so the trace, depends on it).
public protocol ClientClock: Sendable {
    /// Monotonic nanoseconds since the run's clock origin.
    var nowNanos: Int64 { get }
    func sleep(for duration: Duration, isolation: isolated (any Actor)?) async throws
    /// `client`'s heartbeat, every `periodNanos`, run by the clock itself; nil (the default): the client runs it as a
    /// task that sleeps.
    func heartbeat(of client: SimClient, everyNanos periodNanos: Int64) -> HeartbeatTimer?
}

extension ClientClock {
    public func heartbeat(of client: SimClient, everyNanos periodNanos: Int64) -> HeartbeatTimer? { nil }
}

extension SimExecutor: ClientClock {
    /// A timer the loop calls (`HeartbeatTimer`), for a client that runs on this simulator's executor.
    public func heartbeat(of client: SimClient, everyNanos periodNanos: Int64) -> HeartbeatTimer? {
        guard client.loopExecutor === self else { return nil }
        return HeartbeatTimer(client: client, executor: self, periodNanos: periodNanos)
    }
}

/// One client's connection to one node, as the client code sees it: the simulator's in-memory pipes, or a real
/// WebSocket in a live run. What the node sends reaches the client through `SimClient.receive(_:on:)`.
public protocol ClientConnection: AnyObject, Sendable {
    /// The node, by index (0-based).
    var node: Int { get }
    /// Opens the connection as `user`, on behalf of `client` (whose isolation it runs in): true when the node took
    /// it, false when it refused it or could not be reached, nil when the client gave the connection up meanwhile.
    func establish(as user: UserIdentity, for client: isolated SimClient) async -> Bool?
    /// Sends one message to the node, in order.
    func sendToNode(_ message: ClientMessage)
    /// The client hangs up politely (the node sees the socket close).
    func hangUp()
    /// Stops the connection at once, both ways, telling the node nothing (a browser whose network dropped).
    func shutDown()
}

/// How scenario clients reach the nodes.
public protocol ClientLinks: Sendable {
    var nodeCount: Int { get }
    /// A new, not yet established connection from `client` (scenario index `index`) to `node`.
    func connection(from client: SimClient, index: Int, to node: Int) -> any ClientConnection
}

/// What a scenario client needs of the world it runs in, simulated or live.
public struct ClientEnvironment: Sendable {
    /// The run's seed: each client derives its own random stream from it.
    public var seed: UInt64
    public var clock: any ClientClock
    public var recorder: SimRecorder
    public var links: any ClientLinks
    /// Put before every change id (`<prefix><client>-<n>`). Empty in the simulator, whose world is new each run;
    /// a live run's own, since real servers remember every change id they stored and refuse one sent again.
    public var changeIDPrefix: String
    /// Whether change ids carry their intended send time (`ChangeIDSendTime`), so that a process that did not send
    /// a change can still measure its propagation: the shards of a live run, on one shared schedule clock.
    public var sendTimeInChangeIDs: Bool
    /// A deliberately broken client (for checker tests): `resynced`'s participants are ignored.
    public var ignoresResyncedParticipants = false
    /// Where the clients' own work runs: in a live run, the event loop their sockets are on, so a frame read there
    /// is handed to its client in place (`SimClient.assumeIsolated`), without a queue and a task hop per frame; in the
    /// simulator, the simulator's executor, whose loop hands each delivery to its client the same way (`SimPipe`).
    /// Nil: each client is an ordinary actor.
    public var executor: (any SerialExecutor)?
    /// Text operations decoded once for every client of the run that receives the same one. Nil where every message
    /// is decoded from its own frame (a live run), so no two clients ever hold the same array.
    public var textOperations: TextOperationCache? = TextOperationCache()

    public init(
        seed: UInt64, clock: any ClientClock, recorder: SimRecorder, links: any ClientLinks, changeIDPrefix: String = "",
        sendTimeInChangeIDs: Bool = false
    ) {
        self.seed = seed
        self.clock = clock
        self.recorder = recorder
        self.links = links
        self.changeIDPrefix = changeIDPrefix
        self.sendTimeInChangeIDs = sendTimeInChangeIDs
    }
}

/// A change id that carries when its change was meant to be sent (`<id>~<nanoseconds on the run's clock, base 36>`),
/// for receivers in another process of the same run (a live shard) that never saw it sent.
public enum ChangeIDSendTime {
    public static func append(_ intendedAtNanos: Int64, to id: String) -> String {
        id + "~" + String(max(0, intendedAtNanos), radix: 36)
    }

    /// The send time `append` put in `id`, or nil when it has none.
    public static func read(_ id: String) -> Int64? {
        guard let tilde = id.lastIndex(of: "~") else { return nil }
        return Int64(id[id.index(after: tilde)...], radix: 36)
    }
}
