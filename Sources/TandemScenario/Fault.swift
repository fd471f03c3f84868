/// A fault injected at a point of simulated (or wall) time.
///
/// In a file: `{at: 40s, partition: {between: [node-2], and: [broker], for: 5s}}`: `at` and exactly one kind.
/// The loader checks that every fault starts before `duration` and that its window (`for`,
/// `restart_after`) ends by `duration`, so `settle` is always quiet.
public struct Fault: Sendable, Equatable {
    /// When the fault starts, from the start of the run.
    public var at: Duration
    public var kind: FaultKind

    public init(at: Duration, kind: FaultKind) {
        self.at = at
        self.kind = kind
    }

    /// Where a fault's window ends in the report, and so where `{during: …}` and `{after: …}` scopes put it.
    public enum WindowEnd: Sendable, Equatable {
        /// At this time from the start of the run: `at` plus `for` or `restart_after`; a `delete_record` is an
        /// instant, its window ends where it starts.
        case at(Duration)
        /// When the last client a `disconnect` dropped is connected again (or has left the run).
        case whenReconnected
        /// Never before the run's end: a crash without `restart_after`, a disconnect without `reconnect_after`.
        case endOfRun
    }

    /// Where this fault's window ends.
    public var windowEnd: WindowEnd {
        switch kind {
        case .deleteRecord: return .at(at)
        case .disconnect(let disconnect): return disconnect.reconnectAfter == nil ? .endOfRun : .whenReconnected
        default: return end.map(WindowEnd.at) ?? .endOfRun
        }
    }

    /// When the fault's effect ends, or nil for a permanent one (a crash without restart, a disconnect
    /// without reconnect, or one whose reconnect is random).
    public var end: Duration? {
        switch kind {
        case .partition(let partition): at + partition.duration
        case .latencySpike(let spike): at + spike.duration
        case .disconnect: nil
        case .crash(let crash): crash.restartAfter.map { at + $0 }
        case .brokerOutage(let duration): at + duration
        case .loss(let loss): at + loss.duration
        case .deleteRecord: nil
        }
    }
}

/// What a fault does.
public enum FaultKind: Sendable, Equatable {
    /// Cut every link between the two sides (`partition`).
    case partition(Partition)
    /// Add latency to one kind of link (`latency_spike`).
    case latencySpike(LatencySpike)
    /// Drop client connections (`disconnect`).
    case disconnect(Disconnect)
    /// Kill a node; it loses its memory, the store survives (`crash`).
    case crash(Crash)
    /// The broker is unreachable for everyone for this long (`broker_outage: {for: 2s}`).
    case brokerOutage(Duration)
    /// Extra loss on one kind of link (`loss`).
    case loss(LinkLoss)
    /// An administrator deletes a record through one node while people edit it (`delete_record`): not a failure
    /// of the system but a disruption it must carry to every participant in order.
    case deleteRecord(RecordDeletion)

    /// The key naming this kind in a file.
    public var key: String {
        switch self {
        case .partition: "partition"
        case .latencySpike: "latency_spike"
        case .disconnect: "disconnect"
        case .crash: "crash"
        case .brokerOutage: "broker_outage"
        case .loss: "loss"
        case .deleteRecord: "delete_record"
        }
    }
}

/// Something that can sit on one side of a partition.
///
/// Written `node-N`, `broker`, `store`, `clients` (every client) or a population group's name (its clients).
/// Only real links can be cut: client–node, node–broker, node–store.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    case node(NodeID)
    case broker
    case store
    /// Every client of every group.
    case allClients
    /// The clients of one population group.
    case clientGroup(String)

    public var description: String {
        switch self {
        case .node(let node): node.description
        case .broker: "broker"
        case .store: "store"
        case .allClients: "clients"
        case .clientGroup(let name): name
        }
    }

    /// Whether a link exists between the two endpoints, and so can be cut.
    public func isLinked(to other: Endpoint) -> Bool {
        switch (self, other) {
        case (.node, .broker), (.node, .store), (.node, .allClients), (.node, .clientGroup): true
        case (.broker, .node), (.store, .node), (.allClients, .node), (.clientGroup, .node): true
        default: false
        }
    }
}

/// A network partition between two sets of endpoints.
public struct Partition: Sendable, Equatable {
    public var between: [Endpoint]
    public var and: [Endpoint]
    /// How long the partition lasts (`for`).
    public var duration: Duration

    public init(between: [Endpoint], and: [Endpoint], duration: Duration) {
        self.between = between
        self.and = and
        self.duration = duration
    }
}

/// Extra one-way latency on every link of one kind.
public struct LatencySpike: Sendable, Equatable {
    public var link: LinkKind
    /// Added to each message's sampled latency (`add`).
    public var added: Duration
    /// How long the spike lasts (`for`).
    public var duration: Duration

    public init(link: LinkKind, added: Duration, duration: Duration) {
        self.link = link
        self.added = added
        self.duration = duration
    }
}

/// Clients whose connections drop at once, optionally reconnecting after a sampled delay.
public struct Disconnect: Sendable, Equatable {
    /// How many clients drop (`clients: 50%` or `clients: 20`), chosen with the scenario's random source
    /// among connected clients.
    public var clients: ClientCount
    /// Only this group's clients, or nil for every group (`group`).
    public var group: String?
    /// Each client's own delay before reconnecting; nil means it stays away for the rest of the run.
    public var reconnectAfter: DurationDistribution?

    public init(clients: ClientCount, group: String? = nil, reconnectAfter: DurationDistribution? = nil) {
        self.clients = clients
        self.group = group
        self.reconnectAfter = reconnectAfter
    }
}

/// A number of clients, absolute or a share of those connected.
public enum ClientCount: Sendable, Equatable {
    /// Percent in (0, 100] (`50%`).
    case percent(Double)
    /// An absolute number ≥ 1 (`20`).
    case count(Int)
}

/// A node crash, optionally followed by a restart with empty memory.
public struct Crash: Sendable, Equatable {
    public var node: NodeID
    /// Nil means the node stays down for the rest of the run.
    public var restartAfter: Duration?

    public init(node: NodeID, restartAfter: Duration? = nil) {
        self.node = node
        self.restartAfter = restartAfter
    }
}

/// The deletion of one record through one node (`delete_record: {model: Contact, record: 1, via: node-2}`).
public struct RecordDeletion: Sendable, Equatable {
    /// The model's name; in a file, optional when the population edits one model.
    public var model: String
    /// The record's number (records are numbered 1…count, as population groups pick them).
    public var record: Int
    /// The node whose engine commits the deletion (as a REST `DELETE` sent to it would); default `node-1`.
    public var via: NodeID

    public init(model: String, record: Int, via: NodeID) {
        self.model = model
        self.record = record
        self.via = via
    }
}

/// Extra message loss on every link of one kind.
public struct LinkLoss: Sendable, Equatable {
    public var link: LinkKind
    /// Probability in [0, 1] that a message is dropped, on top of the link's own loss.
    public var rate: Double
    /// How long the extra loss lasts (`for`).
    public var duration: Duration

    public init(link: LinkKind, rate: Double, duration: Duration) {
        self.link = link
        self.rate = rate
        self.duration = duration
    }
}
