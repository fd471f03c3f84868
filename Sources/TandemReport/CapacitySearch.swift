import Foundation

/// The search of `tandem capacity`: for each node count, the largest number of users that meets every SLO.
///
/// Node counts are searched in increasing order. For each, the first round measures the bottom of the users range
/// (a low-load anchor for the knee and the USL fit, and the check that anything passes at all) together with the
/// previous node count's capacity, which more nodes should hold (monotonicity exploited: the search starts above
/// it instead of from scratch, and a failure there is recorded as a violation, never hidden). Then it bisects on
/// a geometric scale between the largest load that passed and the smallest that failed, `probesPerRound` loads
/// at a time (they run in parallel), until the two are within `precision` of each other (or 1 user apart). The
/// top of the range is measured only when the bracket reaches it.
///
/// Whatever `measure` returns is taken as is, so the search is deterministic when measuring is.
public struct CapacitySearch {
    public var users: ClosedRange<Int>
    public var nodeCounts: [Int]
    public var precision: Double
    public var probesPerRound: Int
    /// Measures points, all at once (the caller runs them in parallel); one result per probe, in order.
    public var measure: ([(users: Int, nodes: Int)]) throws -> [CapacityPoint]
    /// Told before each round: the node count, the loads about to run, and an estimate of what remains after
    /// them (for an ETA).
    public var willMeasure: ((_ nodes: Int, _ users: [Int], _ remaining: Remaining) -> Void)?

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
    }

    public func run() throws -> Outcome {
        var results: [NodeCountResult] = []
        var violations: [String] = []
        for (index, nodes) in nodeCounts.enumerated() {
            let previous = results.last
            var measured: [Int: CapacityPoint] = [:]
            var probes = [users.lowerBound]
            if let previous, let capacity = previous.capacity {
                probes.append(capacity)
            } else {
                probes.append(geometricPoints(from: users.lowerBound, to: users.upperBound + 1, count: 1).first
                    ?? users.upperBound)
            }
            while true {
                probes = Array(Set(probes.filter { measured[$0] == nil && users.contains($0) })).sorted()
                if probes.isEmpty { break }
                willMeasure?(nodes, probes, remaining(measured, index: index))
                let points = try measure(probes.map { (users: $0, nodes: nodes) })
                for (users, point) in zip(probes, points) { measured[users] = point }
                probes = nextProbes(measured)
            }
            let bracket = Self.bracket(measured)
            violations += Self.violationsWithin(nodes, measured)
            if let previous, let held = previous.capacity, let point = measured[held], !point.passed {
                violations.append(
                    "\(Self.nodesText(nodes)) failed at \(NumberText.grouped(held)) users "
                        + "(\(point.firstFailure ?? "failed")), which \(Self.nodesText(previous.nodes)) held")
            }
            results.append(
                NodeCountResult(
                    nodes: nodes, points: measured.values.sorted { $0.users < $1.users }, capacity: bracket.passing,
                    firstFailing: bracket.failing, knee: nil, usl: nil))
        }
        return Outcome(results: results, violations: violations)
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

    /// What the search of `nodeCounts[index]` and the later node counts takes after the round about to run:
    /// this node count's rounds at about the middle of its bracket, then whole searches of the later ones at that
    /// load scaled by their node count (capacity about in proportion to nodes).
    func remaining(_ measured: [Int: CapacityPoint], index: Int) -> Remaining {
        let (passing, failing) = Self.bracket(measured)
        let low = Double(max(passing ?? users.lowerBound, 1))
        let high = Double(failing ?? users.upperBound)
        let here = rounds(ratio: Foundation.pow(high / low, 1 / Double(probesPerRound + 1))) * probesPerRound
        let middle = (low * high).squareRoot()
        var estimate = (points: Double(here), users: Double(here) * middle)
        for later in nodeCounts.dropFirst(index + 1) {
            let load = min(Double(users.upperBound), middle * Double(later) / Double(nodeCounts[index]))
            estimate.points += Double(fullSearchEstimate)
            estimate.users += Double(fullSearchEstimate - 1) * load + Double(users.lowerBound)
        }
        return Remaining(points: Int(estimate.points), users: Int(estimate.users.rounded()))
    }

    /// About how many points a whole node count's search takes: the anchor, the start and the rounds.
    var fullSearchEstimate: Int {
        2 + rounds(ratio: Double(users.upperBound) / Double(max(users.lowerBound, 1))) * probesPerRound
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
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }
}
