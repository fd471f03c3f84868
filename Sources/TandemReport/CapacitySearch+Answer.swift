extension CapacitySearch {
    /// The search's answer in words, measuring the one or two points it quotes if the search did not:
    /// "4 nodes hold 2,000 users at propagation.p99 62 ms; 3 nodes do not (propagation.p99 140 ms at 2,000)".
    ///
    /// With `target`, the fewest nodes that hold that many users; without, the largest capacity found. The node
    /// count before it is measured at the same load, so that both numbers are of one load. Adds the points it
    /// measured to `outcome` (and any violation they show). Returns the headline, then one sentence per node count.
    public func answer(_ outcome: inout Outcome, target: Int?, latency: ThresholdSpec) throws -> [String] {
        let at = Self.words(latency)
        func ensure(_ index: Int, _ users: Int) throws -> CapacityPoint {
            if let point = outcome.results[index].point(users: users) { return point }
            let nodes = outcome.results[index].nodes
            willMeasure?([(users: users, nodes: nodes)], .none)
            let point = try measure([(users: users, nodes: nodes)])[0]
            outcome.results[index].points.append(point)
            outcome.results[index].points.sort { $0.users < $1.users }
            if point.passed, let failingUsers = outcome.results[index].firstFailing, users > failingUsers,
                let failing = outcome.results[index].point(users: failingUsers)
            {
                outcome.violations.append(Self.violation(nodes, failing: failing, passedAt: users))
            }
            return point
        }
        let results = outcome.results
        var headline: String
        let chosen: Int?
        let load: Int?
        if let target {
            chosen = results.firstIndex { ($0.capacity ?? 0) >= target }
            load = target
        } else {
            chosen = results.lastIndex { $0.capacity != nil }
            load = chosen.flatMap { results[$0].capacity }
        }
        if let index = chosen, let users = load {
            let point = try ensure(index, users)
            outcome.recommended = point
            let top = results[index].firstFailing == nil && users == self.users.upperBound
            headline = "\(Self.nodesText(results[index].nodes)) hold\(results[index].nodes == 1 ? "s" : "") "
                + (top ? "at least " : "") + "\(NumberText.grouped(users)) users at \(at(point))"
                + (top ? " (the top of --users)" : "")
            if index > 0 {
                let below = try ensure(index - 1, users)
                let nodes = Self.nodesText(results[index - 1].nodes)
                headline += below.passed
                    ? "; \(nodes) hold it too (\(at(below)))"
                    : "; \(nodes) do\(results[index - 1].nodes == 1 ? "es" : "") not "
                        + "(\(at(below)) at \(NumberText.grouped(users))"
                        + (below.slos.allSatisfy(\.passed) ? ": \(below.failures.first ?? "failed")" : "") + ")"
            }
        } else if let target {
            let best = results.filter { $0.capacity != nil }.max { $0.capacity! < $1.capacity! }
            headline = "No node count from \(nodeCounts.first!) to \(nodeCounts.last!) holds "
                + "\(NumberText.grouped(target)) users"
                + (best.map { "; the most is \(NumberText.grouped($0.capacity!)) users on \(Self.nodesText($0.nodes))" }
                    ?? "")
        } else {
            headline = "No node count from \(nodeCounts.first!) to \(nodeCounts.last!) holds "
                + "\(NumberText.grouped(users.lowerBound)) users (the bottom of --users)"
        }
        return [headline + "."] + outcome.results.map { sentence($0, at: at) }
    }

    /// The latency metric's summary at a point, in words: "propagation.p99 62 ms" ("—" without one).
    public static func words(_ latency: ThresholdSpec) -> (CapacityPoint?) -> String {
        let label = latency.metric.hasPrefix("latency.") ? String(latency.metric.dropFirst(8)) : latency.metric
        return { point in
            "\(label) " + (point?.latencyMs.map { value in
                latency.unit == .milliseconds
                    ? NumberText.trimmed(value, decimals: 1) + " ms" : ReportText.value(value, unit: latency.unit)
            } ?? "—")
        }
    }

    /// One node count's result in words.
    public func sentence(_ result: NodeCountResult, at: (CapacityPoint?) -> String) -> String {
        let nodes = Self.nodesText(result.nodes)
        let verb = result.nodes == 1 ? "holds" : "hold"
        guard let capacity = result.capacity else {
            let failing = result.firstFailing.flatMap(result.point(users:))
            return "\(nodes) fail\(result.nodes == 1 ? "s" : "") already at "
                + "\(NumberText.grouped(result.firstFailing ?? users.lowerBound)) users "
                + "(\(failing?.firstFailure ?? "failed"))."
        }
        let held = "\(nodes) \(verb) \(NumberText.grouped(capacity)) users (\(at(result.point(users: capacity))))"
        guard let failingUsers = result.firstFailing, let failing = result.point(users: failingUsers) else {
            return held + ", the top of --users."
        }
        return held + "; \(NumberText.grouped(failingUsers)) fail (\(failing.firstFailure ?? "failed"))."
    }

    /// The results of every node count made into the plan's findings: each one's knee and USL fit, every
    /// monotonicity violation, and the answer (which may measure one or two more points, added to the results).
    /// What a whole search does after its rounds, and what `tandem merge` does with the results of its shards.
    public func conclude(_ results: [NodeCountResult], target: Int?, latency: ThresholdSpec) throws
        -> (outcome: Outcome, answer: [String])
    {
        var outcome = Outcome(results: Self.analyse(results), violations: Self.violations(results))
        let answer = try answer(&outcome, target: target, latency: latency)
        return (outcome, answer)
    }

    /// Adds the knee and the USL fit to each node count's result.
    public static func analyse(_ results: [NodeCountResult]) -> [NodeCountResult] {
        results.map { result in
            var result = result
            result.knee = CapacityKnee.find(
                result.points.compactMap { point in point.latencyMs.map { (users: point.users, latencyMs: $0) } })
            result.usl = USLFit.fit(result.points.map { (load: Double($0.users), throughput: $0.commitsPerSecond) })
            return result
        }
    }
}
