import Synchronization
import TandemRuntime
import TandemScenario

/// The simulated network: latency per link kind, loss, latency spikes and partitions, all driven by one
/// seeded random stream.
///
/// Loss on these links models TCP: a lost segment is retransmitted, so it costs a retransmission timeout
/// (`LinkSettings.retransmitDelay`) rather than a missing message. Partitions are what cut messages: a partitioned
/// path refuses connections, fails requests and breaks open connections.
// Why `@unchecked Sendable` is safe: its mutable state, `state`, is touched by simulated code alone (a message's latency,
// a fault starting or ending), which runs only on the simulation's loop thread, one job or timer at a time
// (`SimExecutor`). (It was a `Mutex`: an atomic read-modify-write at every lock and unlock, twice per message.)
final class SimNetwork: @unchecked Sendable {
    /// One place in the network a partition can separate.
    enum Place: Hashable, Sendable {
        case node(Int)
        case broker
        case store
        case clients
    }

    private struct State {
        var random: SplitMix64
        /// Per link kind, by `LinkKind.slot` (a dictionary keyed by the kind would hash its raw string on every
        /// message).
        var spikeNanos: [Int64?] = Array(repeating: nil, count: LinkKind.allCases.count)
        var extraLoss: [Double?] = Array(repeating: nil, count: LinkKind.allCases.count)
        /// Active partitions as pairs of place sets (each pair is cut both ways).
        var partitions: [(id: Int, a: Set<Place>, b: Set<Place>)] = []
        var nextPartitionID = 0
    }

    let links: Links
    @exclusivity(unchecked) private var state: LoopLocal<State>

    init(links: Links, seed: UInt64) {
        self.links = links
        self.state = LoopLocal(State(random: SplitMix64.derive(seed: seed, stream: 0x6E6574)))
    }

    /// One-way latency of a message on `link` now, including any spike and retransmissions
    /// (`LinkSettings.oneWayDelay`, which the live fault proxy draws from too).
    func latencyNanos(_ link: LinkKind) -> Int64 {
        state.update { state in
            links[link].oneWayDelayNanos(
                spike: state.spikeNanos[link.slot], extraLoss: state.extraLoss[link.slot], using: &state.random)
        }
    }

    /// Whether `a` and `b` can reach each other now.
    func reachable(_ a: Place, _ b: Place) -> Bool {
        state.read { state in
            !state.partitions.contains { ($0.a.contains(a) && $0.b.contains(b)) || ($0.a.contains(b) && $0.b.contains(a)) }
        }
    }

    func partition(_ a: Set<Place>, _ b: Set<Place>) -> Int {
        state.update { state in
            state.nextPartitionID += 1
            state.partitions.append((state.nextPartitionID, a, b))
            return state.nextPartitionID
        }
    }

    func heal(_ id: Int) { state.update { $0.partitions.removeAll { $0.id == id } } }

    func setSpike(_ link: LinkKind, _ added: Duration?) {
        state.update { $0.spikeNanos[link.slot] = added?.nanosecondsClamped }
    }

    func setExtraLoss(_ link: LinkKind, _ rate: Double?) { state.update { $0.extraLoss[link.slot] = rate } }
}

private extension LinkKind {
    /// This kind's index in `SimNetwork`'s per-link tables.
    var slot: Int {
        switch self {
        case .clientNode: 0
        case .nodeBroker: 1
        case .nodeStore: 2
        }
    }
}
