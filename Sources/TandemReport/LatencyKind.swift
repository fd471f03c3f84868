/// The three latencies a run measures, each from the sender's clock.
///
/// `propagation` is change sent → another participant has applied it, `ack` is change sent → the sender holds
/// its acknowledgement, `presence` is join → another participant sees the joiner. The raw value is a dense index,
/// so recorders keep one slot per kind in an array instead of a dictionary.
public enum LatencyKind: Int, CaseIterable, Codable, Sendable, Comparable {
    case propagation = 0
    case ack = 1
    case presence = 2

    /// The name used in `report.json`, threshold paths (`latency.<name>.p99`) and renderers.
    public var name: String {
        switch self {
        case .propagation: "propagation"
        case .ack: "ack"
        case .presence: "presence"
        }
    }

    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a counter or gauge belongs: the whole run, one server node, or the broker.
///
/// Nodes are named by the scenario (`node-1`); the broker is a single scope of its own so that per-node tables
/// never mistake it for a server.
public enum MetricScope: Hashable, Sendable {
    case run
    case node(String)
    case broker
}
