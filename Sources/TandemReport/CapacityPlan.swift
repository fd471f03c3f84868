import Foundation

/// The result of `tandem capacity`, written as `capacity.json` (and rendered as `capacity.md` and `.html`): for
/// each node count, every load measured, the largest that met every SLO, the knee of latency against load and the
/// Universal Scalability Law fitted to throughput.
public struct CapacityPlan: Codable, Sendable, Equatable {
    /// 2: independent node-count searches, with the engine switches, profile, target, probes and shard recorded.
    public static let currentFormat = 2

    public var format: Int
    public var scenarioName: String
    public var scenarioFile: String
    public var scenarioFileHash: String
    public var engineVersion: String
    /// The engine switches of every run, as `tandem run` flags.
    public var engineOptions: [String]
    /// The calibration profile under the scenario's topology (`topology.profile` or `--profile`), if any.
    public var profile: ProfileIdentity?
    /// The SLOs as one line each, e.g. `latency.propagation.p99 < 100 ms`.
    public var slos: [String]
    /// How seeds were summed up: `worst` or `pXX` (``SeedQuantile``).
    public var quantile: String
    public var seeds: [UInt64]
    public var usersMin: Int
    public var usersMax: Int
    public var nodeCounts: [Int]
    /// The search stops when the bracket [passing, failing] is within this fraction of the passing load.
    public var precision: Double
    /// Loads measured per node count and round (`--probes`).
    public var probesPerRound: Int
    /// `--target`: the headline is the fewest nodes that hold this many users; nil: the largest capacity found.
    public var target: Int?
    /// The slice of the node counts this file holds (`--shard I/N`: node count number k from 0 goes to shard
    /// k mod N + 1); nil for a whole (or merged) search. A shard's file has only its node counts' results and no
    /// answer: `tandem merge` of all N makes the whole plan.
    public var shard: Shard?
    /// The latency the charts, the table and the knee use (the first SLO on a latency, else propagation p99).
    public var latencyMetric: String
    /// Its limit, when an SLO sets one (the line on the chart).
    public var latencyLimitMs: Double?
    /// What throughput is: acknowledged changes per second of traffic (`duration`, settle left out).
    public var throughputMetric: String
    public var results: [NodeCountResult]
    /// Places where more nodes held fewer users than fewer nodes did, or a load failed below one that passed.
    public var monotonicityViolations: [String]
    /// One sentence per node count, and the headline first.
    public var answer: [String]
    /// How many (users, nodes) points and simulations the search ran.
    public var pointCount: Int
    public var runCount: Int
    /// Wall time of the search; the only field that changes between two identical searches.
    public var wallTimeMs: Double
    /// `--verify-live`: the recommended point run live beside the prediction; nil without it.
    public var verification: CapacityVerification?

    enum CodingKeys: String, CodingKey {
        case format
        case scenarioName = "scenario_name"
        case scenarioFile = "scenario_file"
        case scenarioFileHash = "scenario_file_hash"
        case engineVersion = "engine_version"
        case engineOptions = "engine_options"
        case profile
        case probesPerRound = "probes_per_round"
        case target, shard
        case slos, quantile, seeds
        case usersMin = "users_min"
        case usersMax = "users_max"
        case nodeCounts = "node_counts"
        case precision
        case latencyMetric = "latency_metric"
        case latencyLimitMs = "latency_limit_ms"
        case throughputMetric = "throughput_metric"
        case results
        case monotonicityViolations = "monotonicity_violations"
        case answer
        case pointCount = "point_count"
        case runCount = "run_count"
        case wallTimeMs = "wall_time_ms"
        case verification
    }

    public init(
        format: Int,
        scenarioName: String,
        scenarioFile: String,
        scenarioFileHash: String,
        engineVersion: String,
        engineOptions: [String] = [],
        profile: ProfileIdentity? = nil,
        slos: [String],
        quantile: String,
        seeds: [UInt64],
        usersMin: Int,
        usersMax: Int,
        nodeCounts: [Int],
        precision: Double,
        probesPerRound: Int = 1,
        target: Int? = nil,
        shard: Shard? = nil,
        latencyMetric: String,
        latencyLimitMs: Double?,
        throughputMetric: String,
        results: [NodeCountResult],
        monotonicityViolations: [String],
        answer: [String],
        pointCount: Int,
        runCount: Int,
        wallTimeMs: Double,
        verification: CapacityVerification? = nil
    ) {
        self.format = format
        self.scenarioName = scenarioName
        self.scenarioFile = scenarioFile
        self.scenarioFileHash = scenarioFileHash
        self.engineVersion = engineVersion
        self.engineOptions = engineOptions
        self.profile = profile
        self.slos = slos
        self.quantile = quantile
        self.seeds = seeds
        self.usersMin = usersMin
        self.usersMax = usersMax
        self.nodeCounts = nodeCounts
        self.precision = precision
        self.probesPerRound = probesPerRound
        self.target = target
        self.shard = shard
        self.latencyMetric = latencyMetric
        self.latencyLimitMs = latencyLimitMs
        self.throughputMetric = throughputMetric
        self.results = results
        self.monotonicityViolations = monotonicityViolations
        self.answer = answer
        self.pointCount = pointCount
        self.runCount = runCount
        self.wallTimeMs = wallTimeMs
        self.verification = verification
    }

    /// The plan as `capacity.json`: pretty-printed, sorted keys, ending in a newline.
    public func jsonData() throws -> Data {
        var data = try Report.makeEncoder().encode(self)
        data.append(0x0A)
        return data
    }

    public static func decode(from data: Data) throws -> CapacityPlan {
        struct Format: Decodable { var format: Int }
        let format = try JSONDecoder().decode(Format.self, from: data).format
        guard format == currentFormat else {
            throw ShardError("a capacity plan of format \(format); this tandem reads format \(currentFormat)")
        }
        return try JSONDecoder().decode(CapacityPlan.self, from: data)
    }

    /// `capacity.json`, or `capacity-shard-I-of-N.json` for a shard.
    public static func fileName(shard: Shard?) -> String {
        shard.map { "capacity-shard-\($0.index)-of-\($0.count).json" } ?? "capacity.json"
    }

    /// The node counts a search of `all` runs in `shard` (all of them without one): node count number k (from 0)
    /// goes to shard k mod N + 1, so that every shard gets small and large clusters.
    public static func nodeCounts(_ all: [Int], shard: Shard?) -> [Int] {
        all.enumerated().filter { shard?.contains(member: $0.offset) ?? true }.map(\.element)
    }

    /// The results of all N shards of one search (same scenario bytes, profile, engine, switches and search
    /// settings), each once, in node-count order, as a plan still to be concluded (no answer, no violations; the
    /// points, runs and wall times added up). `CapacitySearch.conclude` makes it what the whole search writes.
    public static func merging(_ parts: [CapacityPlan]) throws(ShardError) -> CapacityPlan {
        guard let first = parts.first else { throw ShardError("no capacity shards to merge") }
        func settings(_ plan: CapacityPlan) -> CapacityPlan {
            var plan = plan
            plan.shard = plan.shard.map { try! Shard(index: 1, count: $0.count) }
            plan.results = []
            plan.monotonicityViolations = []
            plan.answer = []
            (plan.pointCount, plan.runCount, plan.wallTimeMs) = (0, 0, 0)
            plan.verification = nil
            return plan
        }
        for part in parts {
            guard let shard = part.shard else {
                throw ShardError("\(fileName(shard: nil)) of \(part.scenarioName) is a whole search, not a shard")
            }
            guard settings(part) == settings(first) else {
                throw ShardError("""
                    \(fileName(shard: shard)) is not a shard of the same capacity search as \
                    \(fileName(shard: first.shard)) (scenario, its bytes, profile, engine and its switches, SLOs, \
                    seeds, ranges, precision, probes, target and shard count must all match)
                    """)
            }
        }
        let count = first.shard!.count
        let indices = parts.compactMap(\.shard?.index).sorted()
        guard indices == Array(1...count) else {
            let missing = Set(1...count).subtracting(indices).sorted().map(String.init).joined(separator: ", ")
            throw ShardError("a capacity search in \(count) shards needs shards 1…\(count) once each"
                + (missing.isEmpty ? " (one is given twice)" : " (missing: \(missing))"))
        }
        for part in parts {
            let expected = nodeCounts(first.nodeCounts, shard: part.shard)
            guard part.results.map(\.nodes) == expected else {
                throw ShardError("\(fileName(shard: part.shard)) holds node counts "
                    + "\(part.results.map(\.nodes)), not its slice \(expected)")
            }
        }
        var whole = settings(first)
        whole.shard = nil
        whole.results = parts.flatMap(\.results).sorted { $0.nodes < $1.nodes }
        whole.pointCount = parts.reduce(0) { $0 + $1.pointCount }
        whole.runCount = parts.reduce(0) { $0 + $1.runCount }
        whole.wallTimeMs = parts.reduce(0) { $0 + $1.wallTimeMs }
        return whole
    }
}

/// A calibration profile as a plan records it: the file as the loader found it and the hash of its bytes.
public struct ProfileIdentity: Codable, Sendable, Equatable {
    public var file: String
    public var hash: String

    public init(file: String, hash: String) {
        self.file = file
        self.hash = hash
    }
}

/// What the search found for one node count.
public struct NodeCountResult: Codable, Sendable, Equatable {
    public var nodes: Int
    /// Every load measured, by users.
    public var points: [CapacityPoint]
    /// The largest load measured that met every SLO below the first failing one; nil when even `usersMin` failed.
    public var capacity: Int?
    /// The smallest load measured that failed; nil when `usersMax` passed.
    public var firstFailing: Int?
    /// The knee of the latency metric against users (``CapacityKnee``); nil with fewer than 3 points or when the
    /// curve never bends in the measured range.
    public var knee: CapacityKnee?
    /// The USL fitted to throughput against users; nil with fewer than 3 loads.
    public var usl: USLFit?

    enum CodingKeys: String, CodingKey {
        case nodes, points, capacity
        case firstFailing = "first_failing"
        case knee, usl
    }

    public init(nodes: Int, points: [CapacityPoint], capacity: Int?, firstFailing: Int?, knee: CapacityKnee?,
                usl: USLFit?) {
        self.nodes = nodes
        self.points = points
        self.capacity = capacity
        self.firstFailing = firstFailing
        self.knee = knee
        self.usl = usl
    }

    public func point(users: Int) -> CapacityPoint? { points.first { $0.users == users } }
}

/// One (users, nodes) point: each seed's numbers and their summary.
public struct CapacityPoint: Codable, Sendable, Equatable {
    public var users: Int
    public var nodes: Int
    public var seeds: [Seed]
    /// Each SLO's summary value across seeds (``SeedQuantile``) and whether it held, in SLO order.
    public var slos: [ThresholdResult]
    /// Checker failures and failed simulations, `seed N: reason`; any fails the point.
    public var failures: [String]
    public var passed: Bool
    /// Summaries across seeds, high values taken as bad: propagation p50 and p99 and the latency metric.
    public var p50Ms: Double?
    public var p99Ms: Double?
    public var latencyMs: Double?
    /// Means across seeds.
    public var commitsPerSecond: Double
    public var deliveriesPerSecond: Double

    public struct Seed: Codable, Sendable, Equatable {
        public var seed: UInt64
        /// Each SLO's value in SLO order (nil: the run has none).
        public var values: [Double?]
        public var p50Ms: Double?
        public var p99Ms: Double?
        public var latencyMs: Double?
        public var commitsPerSecond: Double
        public var deliveriesPerSecond: Double
        public var failures: [String]
        public var traceHash: String?

        enum CodingKeys: String, CodingKey {
            case seed, values
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case latencyMs = "latency_ms"
            case commitsPerSecond = "commits_per_second"
            case deliveriesPerSecond = "deliveries_per_second"
            case failures
            case traceHash = "trace_hash"
        }
    }

    enum CodingKeys: String, CodingKey {
        case users, nodes, seeds, slos, failures, passed
        case p50Ms = "p50_ms"
        case p99Ms = "p99_ms"
        case latencyMs = "latency_ms"
        case commitsPerSecond = "commits_per_second"
        case deliveriesPerSecond = "deliveries_per_second"
    }

    /// Sums up the runs of one point. `latency` is the metric of the charts; `trafficMs` the scenario's
    /// `duration`, over which throughput is counted.
    public init(
        users: Int, nodes: Int, runs: [SeedDistribution.Run], slos: [ThresholdSpec], quantile: SeedQuantile,
        latency: ThresholdSpec, trafficMs: Double
    ) {
        self.users = users
        self.nodes = nodes
        seeds = runs.map { run in
            switch run {
            case .report(let report):
                Seed(
                    seed: report.identity.seed, values: slos.map { $0.value(in: report) },
                    p50Ms: Self.latency(report.latency.propagation, \.p50Ms),
                    p99Ms: Self.latency(report.latency.propagation, \.p99Ms), latencyMs: latency.value(in: report),
                    commitsPerSecond: report.completionsPerSecond(.ack, beforeMs: trafficMs),
                    deliveriesPerSecond: report.completionsPerSecond(.propagation, beforeMs: trafficMs),
                    failures: report.checkFailures(), traceHash: report.identity.traceHash)
            case .failed(let seed, let reason):
                Seed(
                    seed: seed, values: slos.map { _ in nil }, p50Ms: nil, p99Ms: nil, latencyMs: nil,
                    commitsPerSecond: 0, deliveriesPerSecond: 0, failures: [reason], traceHash: nil)
            }
        }
        let seeds = self.seeds
        self.slos = slos.enumerated().map { index, slo in
            let value = quantile.aggregate(seeds.map { $0.values[index] }, upper: slo.isUpperLimit)
            return ThresholdResult(
                metric: slo.metric, expected: slo.expectedText, actual: value, unit: slo.unit,
                passed: value.map { slo.comparison.holds($0, slo.limit) } ?? false)
        }
        failures = seeds.flatMap { seed in seed.failures.map { "seed \(seed.seed): \($0)" } }
        passed = self.slos.allSatisfy(\.passed) && failures.isEmpty
        p50Ms = quantile.aggregate(seeds.map(\.p50Ms), upper: true)
        p99Ms = quantile.aggregate(seeds.map(\.p99Ms), upper: true)
        latencyMs = quantile.aggregate(seeds.map(\.latencyMs), upper: latency.isUpperLimit)
        let count = Double(max(seeds.count, 1))
        commitsPerSecond = seeds.reduce(0) { $0 + $1.commitsPerSecond } / count
        deliveriesPerSecond = seeds.reduce(0) { $0 + $1.deliveriesPerSecond } / count
    }

    static func latency(_ summary: LatencySummary, _ read: KeyPath<LatencySummary, Double>) -> Double? {
        summary.count > 0 ? summary[keyPath: read] : nil
    }

    /// The first SLO that failed, as `metric expected: actual`, or the first failure; nil when the point passed.
    public var firstFailure: String? {
        if let slo = slos.first(where: { !$0.passed }) {
            return "\(slo.metric) \(slo.expected): \(ReportText.value(slo.actual, unit: slo.unit))"
        }
        return failures.first
    }
}

/// The knee of latency against load, by Millsap's rule: the measured load where latency ÷ users is smallest,
/// i.e. where a line from the origin touches the curve. Below it, each added user costs less latency than the
/// average user so far; past it, more. Found among the measured points only, so its resolution is their spacing;
/// none when the smallest ratio is at the largest load measured (the curve has not bent yet).
public struct CapacityKnee: Codable, Sendable, Equatable {
    public var users: Int
    public var latencyMs: Double

    enum CodingKeys: String, CodingKey {
        case users
        case latencyMs = "latency_ms"
    }

    public init(users: Int, latencyMs: Double) {
        self.users = users
        self.latencyMs = latencyMs
    }

    /// The knee of `points` (users, latency); nil with fewer than 3 points or no bend.
    public static func find(_ points: [(users: Int, latencyMs: Double)]) -> CapacityKnee? {
        let sorted = points.filter { $0.users > 0 && $0.latencyMs.isFinite }.sorted { $0.users < $1.users }
        guard sorted.count >= 3 else { return nil }
        let best = sorted.indices.min { sorted[$0].latencyMs / Double(sorted[$0].users)
            < sorted[$1].latencyMs / Double(sorted[$1].users)
        }!
        guard best < sorted.count - 1 else { return nil }
        return CapacityKnee(users: sorted[best].users, latencyMs: sorted[best].latencyMs)
    }
}

extension Report {
    /// Samples of `kind` completed before `beforeMs` (their time buckets), per second of that time: acknowledged
    /// changes per second for `.ack`, applied deliveries per second for `.propagation`.
    public func completionsPerSecond(_ kind: LatencyKind, beforeMs: Double) -> Double {
        guard beforeMs > 0 else { return 0 }
        let count = latency[kind].overTime.filter { $0.tMs < beforeMs }.reduce(UInt64(0)) { $0 + $1.count }
        return Double(count) / (beforeMs / 1_000)
    }
}
