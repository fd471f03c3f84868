import Synchronization
import TandemCore
import TandemReport

/// What the convergence checks found at the previous sample — the store's records, and what each client and each node
/// showed — under the stamps each had then (``ChangeStamp``): a sample reads and compares again only what changed
/// since. While a run settles nearly everything is quiet, and at 10,000 users comparing it all at every one of the 40
/// samples was an eighth of the run (docs/BENCHMARKS.md, *Simulator*).
///
/// Sound because every stamp covers all that a comparison reads: the store's (`InMemoryEventStore.recordsStamp`) any
/// change of its records, a client's (`SimClient.checkStamp`) anything its snapshot reports, a node's
/// (`CollaborationNode.recordsStamp`) any change of its copies or of which it holds. Each stamp is read before the state
/// it covers, so a change in between is stored under the older stamp and only makes the next sample compare again. The
/// end-of-run check, the run's verdict, reads everything afresh.
public final class CheckCache: Sendable {
    struct ClientEntry {
        var stamp: UInt64
        var storeStamp: UInt64
        var found: [DivergentClient]
    }

    struct NodeEntry {
        var stamp: UInt64
        var storeStamp: UInt64
        var found: [DivergentClient]
    }

    private struct State {
        var storeStamp: UInt64?
        var records: [RecordKey: RecordState] = [:]
        /// By the client's index in the run (`Checkers.clients`).
        var clients: [ClientEntry?] = []
        var nodes: [String: NodeEntry] = [:]
    }

    private let state = Mutex(State())
    /// Reads the store's stamp.
    let storeStamp: @Sendable () async -> UInt64

    /// A cache for checks of a store whose stamp `storeStamp` reads.
    public init(storeStamp: @escaping @Sendable () async -> UInt64) { self.storeStamp = storeStamp }

    /// The store's records as last read, if the store's stamp is still `storeStamp`.
    func records(storeStamp: UInt64) -> [RecordKey: RecordState]? {
        state.withLock { $0.storeStamp == storeStamp ? $0.records : nil }
    }

    func setRecords(_ records: [RecordKey: RecordState], storeStamp: UInt64) {
        state.withLock { state in
            state.storeStamp = storeStamp
            state.records = records
        }
    }

    /// What client `index` showed last time, if neither it nor the store changed since.
    func client(_ index: Int, stamp: UInt64, storeStamp: UInt64) -> [DivergentClient]? {
        state.withLock { state in
            guard index < state.clients.count, let entry = state.clients[index], entry.stamp == stamp,
                  entry.storeStamp == storeStamp else { return nil }
            return entry.found
        }
    }

    func setClient(_ index: Int, _ entry: ClientEntry) {
        state.withLock { state in
            if index >= state.clients.count {
                state.clients.append(contentsOf: repeatElement(nil, count: index + 1 - state.clients.count))
            }
            state.clients[index] = entry
        }
    }

    /// What node `name` showed last time, if neither it nor the store changed since.
    func node(_ name: String, stamp: UInt64, storeStamp: UInt64) -> [DivergentClient]? {
        state.withLock { state in
            guard let entry = state.nodes[name], entry.stamp == stamp, entry.storeStamp == storeStamp else { return nil }
            return entry.found
        }
    }

    func setNode(_ name: String, _ entry: NodeEntry) { state.withLock { $0.nodes[name] = entry } }
}
