import Foundation

/// What `tandem sweep` found, seed by seed, written beside the failing seeds' reports as `sweep.json` (or, for one
/// shard of a sweep split with `--shard I/N`, `sweep-shard-I-of-N.json`). `tandem merge` puts the shards' files back
/// together into the `sweep.json` the whole sweep writes, byte for byte: nothing in it reads a wall clock.
public struct SweepSummary: Codable, Sendable, Equatable {
    public static let formatName = "tandem-sweep"
    public static let currentSchemaVersion = 1

    /// One seed's outcome.
    public struct Result: Codable, Sendable, Equatable {
        public var seed: UInt64
        public var passed: Bool
        /// Absent when the simulation itself failed (then `failures` says why).
        public var traceHash: String?
        /// Every reason the seed failed, as the report words them; empty when it passed.
        public var failures: [String]

        public init(seed: UInt64, passed: Bool, traceHash: String?, failures: [String]) {
            self.seed = seed
            self.passed = passed
            self.traceHash = traceHash
            self.failures = failures
        }

        enum CodingKeys: String, CodingKey {
            case seed, passed, failures
            case traceHash = "trace_hash"
        }
    }

    public var format = Self.formatName
    public var schemaVersion = Self.currentSchemaVersion
    public var scenarioName: String
    /// The scenario file as it was named on the command line.
    public var scenarioFile: String
    public var scenarioFileHash: String
    /// The engine switches of every run, as `tandem run` flags.
    public var engineOptions: [String]
    public var firstSeed: UInt64
    /// How many seeds the whole sweep runs, from `firstSeed`.
    public var seedCount: Int
    /// The slice this file holds; absent for a whole (or merged) sweep.
    public var shard: Shard?
    /// In seed order.
    public var results: [Result]

    enum CodingKeys: String, CodingKey {
        case format, shard, results
        case schemaVersion = "schema_version"
        case scenarioName = "scenario_name"
        case scenarioFile = "scenario_file"
        case scenarioFileHash = "scenario_file_hash"
        case engineOptions = "engine_options"
        case firstSeed = "first_seed"
        case seedCount = "seed_count"
    }

    public init(
        scenarioName: String, scenarioFile: String, scenarioFileHash: String, engineOptions: [String],
        firstSeed: UInt64, seedCount: Int, shard: Shard?, results: [Result]
    ) {
        self.scenarioName = scenarioName
        self.scenarioFile = scenarioFile
        self.scenarioFileHash = scenarioFileHash
        self.engineOptions = engineOptions
        self.firstSeed = firstSeed
        self.seedCount = seedCount
        self.shard = shard
        self.results = results
    }

    /// The seeds a sweep of `count` seeds from `first` runs in `shard` (all of them without one): seed number k (from
    /// 0) goes to shard k mod N + 1, so every shard gets a spread of the range.
    public static func seeds(from first: UInt64, count: Int, shard: Shard?) -> [UInt64] {
        (0..<count).filter { shard?.contains(member: $0) ?? true }.map { first + UInt64($0) }
    }

    /// `sweep.json`, or `sweep-shard-I-of-N.json` for a shard.
    public static func fileName(shard: Shard?) -> String {
        shard.map { "sweep-shard-\($0.index)-of-\($0.count).json" } ?? "sweep.json"
    }

    public var fileName: String { Self.fileName(shard: shard) }

    public var failing: [Result] { results.filter { !$0.passed } }

    /// Pretty-printed UTF-8 with sorted keys, ending in a newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Reads a sweep file; another format or schema version is an error naming it.
    public static func read(_ url: URL) throws -> SweepSummary {
        let summary = try JSONDecoder().decode(SweepSummary.self, from: Data(contentsOf: url))
        guard summary.format == formatName, summary.schemaVersion == currentSchemaVersion else {
            throw ShardError("\(url.path): not a \(formatName) file of schema \(currentSchemaVersion)")
        }
        return summary
    }

    /// The whole sweep from its shards: all N shards of one sweep (same scenario bytes, engine switches and seed
    /// range), each once; the results in seed order, exactly as the unsharded sweep writes them.
    public static func merging(_ parts: [SweepSummary]) throws(ShardError) -> SweepSummary {
        guard let first = parts.first else { throw ShardError("no sweep shards to merge") }
        for part in parts {
            guard part.shard != nil else { throw ShardError("\(part.fileName) is a whole sweep, not a shard") }
            let same = part.scenarioName == first.scenarioName && part.scenarioFileHash == first.scenarioFileHash
                && part.engineOptions == first.engineOptions && part.firstSeed == first.firstSeed
                && part.seedCount == first.seedCount && part.shard?.count == first.shard?.count
            guard same else {
                throw ShardError("""
                    \(part.fileName) is not a shard of the same sweep as \(first.fileName) (scenario, its bytes, \
                    engine switches, seed range and shard count must all match)
                    """)
            }
        }
        let count = first.shard?.count ?? 1
        let indices = parts.compactMap(\.shard?.index).sorted()
        guard indices == Array(1...count) else {
            let missing = Set(1...count).subtracting(indices).sorted()
            let repeated = Dictionary(grouping: indices, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            throw ShardError("a sweep in \(count) shards needs shards 1…\(count) once each"
                + (missing.isEmpty ? "" : "; missing: \(missing.map(String.init).joined(separator: ", "))")
                + (repeated.isEmpty ? "" : "; given twice: \(repeated.map(String.init).joined(separator: ", "))"))
        }
        var whole = first
        whole.shard = nil
        whole.results = parts.flatMap(\.results).sorted { $0.seed < $1.seed }
        let expected = seeds(from: first.firstSeed, count: first.seedCount, shard: nil)
        guard whole.results.map(\.seed) == expected else {
            throw ShardError("the shards' seeds are not the sweep's \(expected.count) seeds from \(first.firstSeed)")
        }
        return whole
    }
}
