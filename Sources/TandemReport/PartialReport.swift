import Foundation

/// One of N equal slices of a run's users (`--shard I/N`): user `i` (in scenario order, from 0) belongs to shard
/// `i % N + 1`, so every group and every arrival ramp is spread evenly over the shards.
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    /// From 1.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1 else { throw ShardError("a run splits into at least 1 shard, not \(count)") }
        guard (1...count).contains(index) else { throw ShardError("shard \(index) of \(count): I runs from 1 to N") }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, e.g. `2/4`.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ShardError("--shard \(text): expected I/N, e.g. 1/4")
        }
        try self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether user number `member` (from 0, in scenario order) is in this shard.
    public func contains(member: Int) -> Bool { member % count == index - 1 }

    /// This shard's part of `total` things spread over the shards as evenly as they go (the first `total % N`
    /// shards take one more), so the parts of all N shards add up to `total`.
    public func share(of total: Int) -> Int { total / count + (index <= total % count ? 1 : 0) }
}

public struct ShardError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// What one shard of a run writes beside its own report (`partial.json`), so that `tandem merge` can put the
/// shards back together into the report the whole run would have written.
///
/// The shard's `report` judges only its own users; `metrics` holds every raw latency sample and counter, so the
/// merged percentiles are those of all samples together (percentiles do not add up, samples do).
public struct PartialReport: Codable, Sendable {
    public static let currentSchemaVersion = 1
    /// The file name a shard's partial report is written under, beside `report.json`.
    public static let fileName = "partial.json"

    public var schemaVersion: Int
    public var shard: Shard
    /// The scenario file the run played, as it was named on the command line.
    public var scenarioFile: String
    public var report: Report
    public var metrics: MetricsRecorder.Snapshot
    /// Counters (`name@scope`) that every shard read from the same source, e.g. a server's own counters scraped
    /// from its `/metrics`: merged by keeping the largest reading, where the shards' own counts are added up.
    public var sharedCounters: [String]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case shard
        case scenarioFile = "scenario_file"
        case report, metrics
        case sharedCounters = "shared_counters"
    }

    public init(
        shard: Shard, scenarioFile: String, report: Report, metrics: MetricsRecorder.Snapshot, sharedCounters: [String]
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.shard = shard
        self.scenarioFile = scenarioFile
        self.report = report
        self.metrics = metrics
        self.sharedCounters = sharedCounters
    }

    public static func counterKey(_ name: String, _ scope: MetricScope) -> String {
        name + "@" + MetricsRecorder.scopeText(scope)
    }

    /// Counters derived from others (a ratio of two sums), recomputed after the merge: name, numerator, its scale,
    /// denominator.
    static let derivedCounters: [(name: String, numerator: String, scale: Int64, denominator: String)] = [
        ("load_generator.cpu_ns_per_frame_in", "load_generator.cpu_ms", 1_000_000, "load_generator.frames_in"),
    ]

    /// Reads a shard's `partial.json`; a problem names the file.
    public static func read(_ url: URL) throws -> PartialReport {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ShardError("\(url.path): cannot read it (\(error.localizedDescription))") }
        let partial: PartialReport
        do {
            partial = try JSONDecoder().decode(PartialReport.self, from: data)
        } catch {
            throw ShardError("\(url.path): not a partial report (\(error))")
        }
        guard partial.schemaVersion == currentSchemaVersion else {
            throw ShardError("\(url.path): partial report schema \(partial.schemaVersion); this tool reads "
                             + "\(currentSchemaVersion)")
        }
        return partial
    }

    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }
}

/// The shards of one run put back together: everything `MetricsRecorder.makeReport` needs but the scenario's
/// expectations and phases.
public struct MergedShards: Sendable {
    public var recorder: MetricsRecorder
    public var identity: RunIdentity
    public var wall: WallClock
    public var convergence: ConvergenceReport
    public var lostAcknowledgedWrites: [LostWrite]
    public var versionOrderViolations: [VersionOrderViolation]
    public var presenceGhosts: [PresenceGhost]
    public var scenarioFile: String

    /// Checks that `partials` are every shard of one run, once each, and merges them.
    public init(_ partials: [PartialReport]) throws {
        guard let first = partials.first else { throw ShardError("nothing to merge") }
        let count = first.shard.count
        for partial in partials {
            let identity = partial.report.identity
            func differs(_ what: String) -> ShardError {
                ShardError("shard \(partial.shard) is not of the same run as shard \(first.shard): its \(what) differs")
            }
            guard identity.scenarioName == first.report.identity.scenarioName else { throw differs("scenario") }
            guard identity.scenarioFileHash == first.report.identity.scenarioFileHash else {
                throw differs("scenario file (hash)")
            }
            guard identity.seed == first.report.identity.seed else { throw differs("seed") }
            guard identity.mode == first.report.identity.mode else { throw differs("mode") }
            guard identity.engineVersion == first.report.identity.engineVersion else { throw differs("engine version") }
            guard partial.shard.count == count else { throw differs("shard count (/\(partial.shard.count))") }
        }
        let indices = partials.map(\.shard.index).sorted()
        let missing = Set(1...count).subtracting(indices).sorted()
        guard missing.isEmpty else {
            throw ShardError("shard(s) \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) missing: a merge "
                             + "needs every shard of the run")
        }
        if let twice = indices.indices.dropFirst().first(where: { indices[$0] == indices[$0 - 1] }) {
            throw ShardError("shard \(indices[twice])/\(count) given twice")
        }
        let ordered = partials.sorted { $0.shard.index < $1.shard.index }

        let shared = Set(ordered.flatMap(\.sharedCounters))
        do {
            recorder = try MetricsRecorder(merging: ordered.map(\.metrics)) { name, scope in
                shared.contains(PartialReport.counterKey(name, scope)) ? .max : .sum
            }
        } catch {
            throw ShardError("cannot merge the shards' metrics: \(error)")
        }
        for derived in PartialReport.derivedCounters where recorder.counterValue(derived.name) != 0 {
            let denominator = recorder.counterValue(derived.denominator)
            let value = denominator > 0 ? recorder.counterValue(derived.numerator) * derived.scale / denominator : 0
            let id = recorder.counterID(derived.name)
            recorder.increment(id, by: value - recorder.counterValue(derived.name))
        }

        let reports = ordered.map(\.report)
        var identity = first.report.identity
        identity.simulatedTimeMs = reports.map(\.identity.simulatedTimeMs).max() ?? 0
        self.identity = identity
        let start = reports.map(\.wall.startedAtUnixMs).min() ?? 0
        let end = reports.map { Double($0.wall.startedAtUnixMs) + $0.wall.timeMs }.max() ?? 0
        wall = WallClock(timeMs: end - Double(start), startedAtUnixMs: start)
        convergence = Self.merge(reports.map(\.convergence))
        lostAcknowledgedWrites = reports.flatMap(\.lostAcknowledgedWrites)
        versionOrderViolations = reports.flatMap(\.versionOrderViolations)
        // Every shard probed the same nodes: a node's ghost or divergent view is one finding, however many saw it.
        presenceGhosts = Self.once(reports.flatMap(\.presence.ghostsAfterSettle))
        scenarioFile = first.scenarioFile
    }

    /// The whole run's report, judged against `expectations`.
    public func report(expectations: [ThresholdSpec], phases: [RunTimeline.Phase]) -> Report {
        recorder.makeReport(
            identity: identity, wall: wall, convergence: convergence, lostAcknowledgedWrites: lostAcknowledgedWrites,
            versionOrderViolations: versionOrderViolations, presenceGhosts: presenceGhosts, expectations: expectations,
            phases: phases)
    }

    static func once<T: Equatable>(_ items: [T]) -> [T] {
        items.enumerated().filter { index, item in !items[..<index].contains(item) }.map(\.element)
    }

    /// The shards sampled divergence at the same moments of the schedule: the run's count at each is their sum. The
    /// run converged when no shard's final check found a divergent view and, from some sample on, every sum is 0.
    static func merge(_ parts: [ConvergenceReport]) -> ConvergenceReport {
        let length = parts.map(\.timeline.count).min() ?? 0
        let timeline = (0..<length).map { index in
            ConvergenceSample(tMs: parts.map { $0.timeline[index].tMs }.max() ?? 0,
                              divergentCount: parts.reduce(0) { $0 + $1.timeline[index].divergentCount })
        }
        let divergent = once(parts.flatMap(\.divergentClients))
        let settle = parts.map(\.settleStartedAtMs).max() ?? 0
        var quietSince: Double?
        for sample in timeline {
            if sample.divergentCount == 0 { quietSince = quietSince ?? sample.tMs } else { quietSince = nil }
        }
        let converged = divergent.isEmpty && quietSince != nil
        return ConvergenceReport(
            converged: converged, settleStartedAtMs: settle, convergedAtMs: converged ? quietSince : nil,
            withinMs: converged ? quietSince.map { max(0, $0 - settle) } : nil, divergentClients: divergent,
            timeline: timeline)
    }
}
