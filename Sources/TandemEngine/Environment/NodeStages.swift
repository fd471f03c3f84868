import Synchronization

/// The stages of a node's work that the server times for `/metrics` (`tandem_node_stage_seconds{stage=…}`), so
/// the simulator's node cost model can be fitted to a running server (`tandem calibrate`, issue 9 and 17).
///
/// Each is a wall-clock span on the node's clock:
/// - `decode`: one client frame decoded from its bytes (on the connection's reader, outside the node);
/// - `queue_wait`: a decoded client frame waiting for the node actor;
/// - `handle`: the node handling one client frame, from the actor taking it to the end, store calls included;
/// - `busy`: the node's own time on one client frame: `handle` less the waits inside it (for the record's gate,
///   the store, a retry's backoff), so the actor's service time, fan-out to local recipients included;
/// - `store_append`: one append of a change to the event store, as the node waits for it;
/// - `fanout`: one committed change applied to its session and queued to every local recipient (synchronous
///   actor time: divided by the recipients it is the per-recipient cost).
public enum NodeStage: String, Sendable, CaseIterable, Hashable {
    case decode
    case queueWait = "queue_wait"
    case handle
    case busy
    case storeAppend = "store_append"
    case fanout
    /// One read of the change log for a change or resync based older than the memory window (a lagging client), as
    /// the node waits for it: `CollaborationNode.reachBack` and the reads past its reach.
    case storeRead = "store_read"
}

/// Receives the node's stage timings. Called on the node actor (and on connection readers for `decode`), so it
/// must be cheap and thread-safe; the simulator passes none.
public protocol NodeStageObserver: Sendable {
    func observe(_ stage: NodeStage, nanos: Int64)
}

/// The waits inside one client frame's handling (the record's gate, store calls, backoff), summed so that the
/// node's own time on the frame (`NodeStage.busy`) is its handling less them. Task-local: one frame's handling is
/// one task (and the tasks it starts, whose waits then count too: a gap fill it triggers, rarely).
final class NodeWaits: Sendable {
    @TaskLocal static var current: NodeWaits?
    private let total = Mutex<Int64>(0)

    func add(_ nanos: Int64) { total.withLock { $0 += nanos } }
    var nanos: Int64 { total.withLock { $0 } }
}
