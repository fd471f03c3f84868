// Rewriting a scenario to another load and cluster size, for capacity searches (`tandem capacity`).
extension Scenario {
    /// `--users` / `--nodes` of `tandem run` and `tandem-live run`: the scenario at that size (``scaled(users:nodes:)``,
    /// the other dimension kept), or unchanged when neither is given.
    public func resized(users: Int?, nodes: Int?) throws(ScalingError) -> Scenario {
        guard users != nil || nodes != nil else { return self }
        return try scaled(users: users ?? totalUserCount, nodes: nodes ?? topology.nodeCount)
    }

    /// The scenario with `users` users over `nodes` nodes, its shape otherwise kept.
    ///
    /// Every population group is scaled in proportion to its share of the file's users (largest remainder, so
    /// the groups add up to `users` exactly; each group keeps at least one user), and every ramp's `to` by the
    /// same factor (a ramp to the whole population ramps to all `users`). Records, behaviour, links, node costs,
    /// phases' timing and faults stay as written. Thresholds whose scope names a node beyond `nodes` are dropped
    /// (capacity judges its own SLOs). Throws when something the file names cannot exist at this size: a fault,
    /// placement or scope naming a node beyond `nodes`, or fewer users than groups.
    public func scaled(users: Int, nodes: Int) throws(ScalingError) -> Scenario {
        guard nodes >= 1, nodes <= Topology.nodeCountMax else {
            throw ScalingError("\(nodes) nodes: a scenario has 1 to \(Topology.nodeCountMax) nodes")
        }
        guard users >= population.count, users <= PopulationGroup.userCountMax else {
            throw ScalingError(
                "\(users) users: \(name) has \(population.count) population group(s), each keeps at least one user, "
                    + "and a scenario holds at most \(PopulationGroup.userCountMax) users")
        }
        if let (node, place) = highestNamedNode, node.number > nodes {
            throw ScalingError("\(place) names \(node), which \(nodes) node(s) do not have")
        }
        var copy = self
        copy.topology.nodeCount = nodes
        let counts = Self.apportion(users, among: population.map(\.userCount))
        for index in copy.population.indices { copy.population[index].userCount = counts[index] }
        let original = totalUserCount
        copy.phases = phases.map { phase in
            guard case .ramp(let target, let over, let spacing) = phase else { return phase }
            let scaled = (Double(target) * Double(users) / Double(max(original, 1))).rounded()
            return .ramp(to: min(users, max(0, Int(scaled))), over: over, spacing: spacing)
        }
        copy.expectations = expectations.filter { spec in
            guard let node = spec.scope?.node, let id = NodeID(name: node) else { return true }
            return id.number <= nodes
        }
        return copy
    }

    /// The node with the highest number that a fault or placement names, and where; nil when none is named.
    /// (Thresholds' scopes are left out: `scaled` drops those that do not fit.)
    public var highestNamedNode: (node: NodeID, place: String)? {
        var named: [(NodeID, String)] = []
        for (index, fault) in faults.enumerated() {
            let place = "faults[\(index + 1)] (\(fault.kind.key))"
            switch fault.kind {
            case .partition(let partition):
                for case .node(let node) in partition.between + partition.and { named.append((node, place)) }
            case .crash(let crash): named.append((crash.node, place))
            case .deleteRecord(let deletion): named.append((deletion.via, place))
            case .latencySpike, .disconnect, .brokerOutage, .loss: break
            }
        }
        for group in population {
            if case .pinned(let node) = group.placement { named.append((node, "group \(group.name)'s placement")) }
        }
        return named.max { $0.0 < $1.0 }.map { (node: $0.0, place: $0.1) }
    }

    /// Splits `total` in proportion to `weights` (largest remainder, ties to the earlier entry), each share at
    /// least 1; `total` must be at least `weights.count`.
    static func apportion(_ total: Int, among weights: [Int]) -> [Int] {
        let sum = Double(max(weights.reduce(0, +), 1))
        let exact = weights.map { Double($0) * Double(total) / sum }
        var shares = exact.map { max(1, Int($0.rounded(.down))) }
        var assigned = shares.reduce(0, +)
        while assigned > total {
            // Take from the largest share (the earliest on ties): only shares above 1 can give.
            let index = shares.indices.filter { shares[$0] > 1 }
                .max { shares[$0] < shares[$1] || (shares[$0] == shares[$1] && $0 > $1) }!
            shares[index] -= 1
            assigned -= 1
        }
        let remainders = exact.indices.map { exact[$0] - Double(shares[$0]) }
        let order = shares.indices.sorted {
            remainders[$0] > remainders[$1] || (remainders[$0] == remainders[$1] && $0 < $1)
        }
        var next = 0
        while assigned < total {
            shares[order[next % order.count]] += 1
            assigned += 1
            next += 1
        }
        return shares
    }
}

/// A scenario that cannot be rewritten to the asked size; the message says why.
public struct ScalingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
