import Foundation

/// The search of `tandem capacity`: for each node count, the largest number of users that meets every SLO.
///
/// Each node count's search is independent of the others' results, so that a slice of the node counts
/// (`--shard I/N`) finds exactly what the whole search finds for them. The first round of each measures the bottom
/// of the users range (a low-load anchor for the knee and the USL fit, and the check that anything passes at all)
/// and `probesPerRound` loads spread geometrically over the range. Then it bisects on a geometric scale between the
/// largest load that passed and the smallest that failed, `probesPerRound` loads at a time, until the two are
/// within `precision` of each other (or 1 user apart). The top of the range is measured only when the bracket
/// reaches it. The node counts advance in lockstep: a round measures the next loads of every node count still
/// searching, all at once (the caller runs them in parallel). Monotonicity (more nodes never hold fewer users) is
/// checked on the results, never assumed: ``violations(_:)``.
///
/// Whatever `measure` returns is taken as is, so the search is deterministic when measuring is.
public struct CapacitySearch {
    public var users: ClosedRange<Int>
    public var nodeCounts: [Int]
    public var precision: Double
    public var probesPerRound: Int
    /// Measures points, all at once (the caller runs them in parallel); one result per probe, in order.
    public var measure: ([(users: Int, nodes: Int)]) throws -> [CapacityPoint]
    /// Told before each round: the points about to run, and an estimate of what remains after them (for an ETA).
    public var willMeasure: ((_ probes: [(users: Int, nodes: Int)], _ remaining: Remaining) -> Void)?

    /// About how many points remain, and their users added up (a simulation's cost grows with its users).
    public struct Remaining: Sendable, Equatable {
        public var points: Int
        public var users: Int

        public static let none = Remaining(points: 0, users: 0)
    }

    public init(
        users: ClosedRange<Int>, nodeCounts: [Int], precision: Double, probesPerRound: Int = 1,
        measure: @escaping ([(users: Int, nodes: Int)]) throws -> [CapacityPoint]
    ) {
        self.users = users
        self.nodeCounts = nodeCounts
        self.precision = precision
        self.probesPerRound = max(1, probesPerRound)
        self.measure = measure
    }

    /// What the search found: one result per node count (knee and USL still to add) and the violations of
    /// monotonicity it met.
    public struct Outcome {
        public var results: [NodeCountResult]
        public var violations: [String]
        /// The point the answer recommends (the fewest nodes for `--target`, else the largest capacity found); set by
        /// ``answer(_:target:latency:)``, nil when no node count holds the load.
        public var recommended: CapacityPoint? = nil

        public init(results: [NodeCountResult], violations: [String], recommended: CapacityPoint? = nil) {
            self.results = results
            self.violations = violations
            self.recommended = recommended
        }
    }

    public func run() throws -> Outcome {
        var measured = [[Int: CapacityPoint]](repeating: [:], count: nodeCounts.count)
        var probes = nodeCounts.map { _ in
            [users.lowerBound] + geometricPoints(from: users.lowerBound, to: users.upperBound + 1, count: probesPerRound)
        }
        while true {
            var round: [(users: Int, nodes: Int, index: Int)] = []
            for index in nodeCounts.indices {
                let loads = Set(probes[index].filter { measured[index][$0] == nil && users.contains($0) }).sorted()
                round += loads.map { (users: $0, nodes: nodeCounts[index], index: index) }
            }
            if round.isEmpty { break }
            willMeasure?(round.map { (users: $0.users, nodes: $0.nodes) }, remaining(measured, after: round))
            let points = try measure(round.map { (users: $0.users, nodes: $0.nodes) })
            for (probe, point) in zip(round, points) { measured[probe.index][probe.users] = point }
            probes = measured.map(nextProbes)
        }
        let results = zip(nodeCounts, measured).map { nodes, measured in
            let bracket = Self.bracket(measured)
            return NodeCountResult(
                nodes: nodes, points: measured.values.sorted { $0.users < $1.users }, capacity: bracket.passing,
                firstFailing: bracket.failing, knee: nil, usl: nil)
        }
        return Outcome(results: results, violations: Self.violations(results))
    }

    /// Every violation of monotonicity in `results` (in node-count order): a load that passed above one that failed
    /// on the same node count, and a node count failing at a load no larger than the capacity of the node count
    /// before it in the list.
    public static func violations(_ results: [NodeCountResult]) -> [String] {
        var violations: [String] = []
        for (index, result) in results.enumerated() {
            violations += violationsWithin(
                result.nodes, Dictionary(uniqueKeysWithValues: result.points.map { ($0.users, $0) }))
            guard index > 0, let held = results[index - 1].capacity, let failingUsers = result.firstFailing,
                failingUsers <= held, let failing = result.point(users: failingUsers)
            else { continue }
            let fewer = nodesText(results[index - 1].nodes)
            violations.append(
                "\(nodesText(result.nodes)) failed at \(NumberText.grouped(failingUsers)) users "
                    + "(\(failing.firstFailure ?? "failed")), "
                    + (failingUsers == held ? "which \(fewer) held" : "below the \(NumberText.grouped(held)) \(fewer) held"))
        }
        return violations
    }

    /// A load that passed above one that failed, on the same node count.
    static func violationsWithin(_ nodes: Int, _ measured: [Int: CapacityPoint]) -> [String] {
        guard let failingUsers = bracket(measured).failing, let failing = measured[failingUsers] else { return [] }
        return measured.values.filter { $0.passed && $0.users > failingUsers }.sorted { $0.users < $1.users }
            .map { violation(nodes, failing: failing, passedAt: $0.users) }
    }

    static func violation(_ nodes: Int, failing: CapacityPoint, passedAt users: Int) -> String {
        "\(nodesText(nodes)) failed at \(NumberText.grouped(failing.users)) users "
            + "(\(failing.firstFailure ?? "failed")) but passed at \(NumberText.grouped(users))"
    }

    /// The smallest failing load measured, and the largest passing load below it.
    static func bracket(_ measured: [Int: CapacityPoint]) -> (passing: Int?, failing: Int?) {
        let failing = measured.values.filter { !$0.passed }.map(\.users).min()
        let passing = measured.values.filter { $0.passed && $0.users < (failing ?? .max) }.map(\.users).max()
        return (passing, failing)
    }

    /// The loads of the next round, or none when the search of this node count is done.
    func nextProbes(_ measured: [Int: CapacityPoint]) -> [Int] {
        let (passing, failing) = Self.bracket(measured)
        guard let low = passing else { return [] }  // even the bottom failed
        let high = failing ?? users.upperBound + 1
        if high - low <= 1 || converged(low, high) {
            // Within precision; when that is only because the top of the range is near, measure the top.
            return failing == nil && low < users.upperBound ? [users.upperBound] : []
        }
        return geometricPoints(from: low, to: high, count: probesPerRound)
    }

    func converged(_ low: Int, _ high: Int) -> Bool { Double(high - low) <= precision * Double(low) }

    /// `count` loads strictly between `low` and `high`, evenly spaced on a log scale.
    func geometricPoints(from low: Int, to high: Int, count: Int) -> [Int] {
        guard high - low > 1 else { return [] }
        let ratio = Double(high) / Double(max(low, 1))
        let points = (1...count).map { step -> Int in
            let value = (Double(max(low, 1)) * Foundation.pow(ratio, Double(step) / Double(count + 1))).rounded()
            return min(high - 1, max(low + 1, Int(value)))
        }
        return Array(Set(points)).sorted()
    }

    /// What the search takes after the round about to run: each node count still searching, its rounds at about
    /// the middle of its bracket (a node count not yet measured: a whole search, at the middle of the range).
    func remaining(_ measured: [[Int: CapacityPoint]], after round: [(users: Int, nodes: Int, index: Int)]) -> Remaining {
        var estimate = (points: 0.0, users: 0.0)
        for index in nodeCounts.indices {
            let loads = round.filter { $0.index == index }.map(\.users)
            if measured[index].isEmpty {
                let middle = (Double(max(users.lowerBound, 1)) * Double(users.upperBound)).squareRoot()
                let later = Double(max(0, fullSearchEstimate - loads.count))
                estimate.points += later
                estimate.users += later * middle
                continue
            }
            guard !loads.isEmpty else { continue }  // done
            let (passing, failing) = Self.bracket(measured[index])
            let low = Double(max(passing ?? users.lowerBound, 1))
            let high = Double(failing ?? users.upperBound)
            let later = Double(
                max(0, rounds(ratio: Foundation.pow(high / low, 1 / Double(probesPerRound + 1))) * probesPerRound))
            estimate.points += later
            estimate.users += later * (low * high).squareRoot()
        }
        return Remaining(points: Int(estimate.points), users: Int(estimate.users.rounded()))
    }

    /// About how many points a whole node count's search takes: the anchor, the first loads and the rounds.
    var fullSearchEstimate: Int {
        1 + probesPerRound + rounds(ratio: Double(users.upperBound) / Double(max(users.lowerBound, 1))) * probesPerRound
    }

    /// Rounds of `probesPerRound` loads that narrow a bracket of this ratio to `precision`.
    func rounds(ratio: Double) -> Int {
        guard ratio > 1 + precision else { return 0 }
        let shrink = Foundation.log(Double(probesPerRound + 1))
        return Int((Foundation.log(Foundation.log(ratio) / Foundation.log(1 + precision)) / shrink).rounded(.up))
    }

    static func nodesText(_ nodes: Int) -> String { nodes == 1 ? "1 node" : "\(nodes) nodes" }
}

extension NumberText {
    /// An integer with thousands separators: `2,000`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }
}
