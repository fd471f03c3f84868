/// The result of one run: the value written as `report.json`, schema version 2 (`docs/report-schema.md`).
///
/// Every field is plain data, so a report decodes back to an equal value and encodes to the same bytes. Wall-clock
/// readings live only in `wall`; `normalizedForDeterminism()` zeroes them, after which two `sim` runs of the same
/// scenario and seed must encode identically. `passed` is set by `evaluate(_:)`.
public struct Report: Codable, Sendable, Equatable {
    /// The schema version this code writes and reads.
    public static let currentSchemaVersion = 2

    public var schemaVersion: Int
    public var identity: RunIdentity
    public var wall: WallClock
    public var latency: LatencyReport
    public var convergence: ConvergenceReport
    public var lostAcknowledgedWrites: [LostWrite]
    public var versionOrderViolations: [VersionOrderViolation]
    public var presence: PresenceReport
    public var conflicts: ConflictCounts
    public var load: LoadReport
    public var reconnects: Int64
    public var resyncs: Int64
    public var faults: [FaultWindow]
    public var thresholds: [ThresholdResult]
    public var passed: Bool

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case identity, wall, latency, convergence
        case lostAcknowledgedWrites = "lost_acknowledged_writes"
        case versionOrderViolations = "version_order_violations"
        case presence, conflicts, load, reconnects, resyncs, faults, thresholds, passed
    }

    public init(
        identity: RunIdentity,
        wall: WallClock = WallClock(),
        latency: LatencyReport = LatencyReport(),
        convergence: ConvergenceReport = ConvergenceReport(),
        lostAcknowledgedWrites: [LostWrite] = [],
        versionOrderViolations: [VersionOrderViolation] = [],
        presence: PresenceReport = PresenceReport(),
        conflicts: ConflictCounts = ConflictCounts(),
        load: LoadReport = LoadReport(),
        reconnects: Int64 = 0,
        resyncs: Int64 = 0,
        faults: [FaultWindow] = [],
        thresholds: [ThresholdResult] = [],
        passed: Bool = false
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.identity = identity
        self.wall = wall
        self.latency = latency
        self.convergence = convergence
        self.lostAcknowledgedWrites = lostAcknowledgedWrites
        self.versionOrderViolations = versionOrderViolations
        self.presence = presence
        self.conflicts = conflicts
        self.load = load
        self.reconnects = reconnects
        self.resyncs = resyncs
        self.faults = faults
        self.thresholds = thresholds
        self.passed = passed
    }
}

/// Whether a run was simulated in virtual time or driven against real processes.
public enum RunMode: String, Codable, Sendable {
    case sim
    case live
}

/// What ran: enough to find the scenario again and replay the run exactly.
public struct RunIdentity: Codable, Sendable, Equatable {
    public var scenarioName: String
    /// A hash of the scenario file's bytes (the algorithm is the runner's; SHA-256 hex is the convention).
    public var scenarioFileHash: String
    public var seed: UInt64
    public var mode: RunMode
    public var engineVersion: String
    /// The hash of the simulator's trace; absent in `live` mode, where there is no trace.
    public var traceHash: String?
    /// The run's length on its own clock: virtual in `sim`, wall in `live`.
    public var simulatedTimeMs: Double
    /// The engine switches the run had, as `tandem run` flags (`--no-gap-recovery`, `--wire`, …); absent when none,
    /// so that `tandem replay` and `tandem shrink` run the same engine.
    public var engineOptions: [String]?
    /// The calibration profile under the scenario's topology (`topology.profile` or `--profile`); absent when none.
    public var profile: Profile?

    /// A calibration profile file and the hash of its bytes.
    public struct Profile: Codable, Sendable, Equatable {
        public var file: String
        public var hash: String

        public init(file: String, hash: String) {
            self.file = file
            self.hash = hash
        }
    }

    enum CodingKeys: String, CodingKey {
        case profile
        case scenarioName = "scenario_name"
        case scenarioFileHash = "scenario_file_hash"
        case seed, mode
        case engineVersion = "engine_version"
        case traceHash = "trace_hash"
        case simulatedTimeMs = "simulated_time_ms"
        case engineOptions = "engine_options"
    }

    public init(
        scenarioName: String,
        scenarioFileHash: String,
        seed: UInt64,
        mode: RunMode,
        engineVersion: String,
        traceHash: String? = nil,
        simulatedTimeMs: Double = 0,
        engineOptions: [String]? = nil,
        profile: Profile? = nil
    ) {
        self.scenarioName = scenarioName
        self.scenarioFileHash = scenarioFileHash
        self.seed = seed
        self.mode = mode
        self.engineVersion = engineVersion
        self.traceHash = traceHash
        self.simulatedTimeMs = simulatedTimeMs
        self.engineOptions = engineOptions
        self.profile = profile
    }
}

/// The only readings of the machine's wall clock in a report; zeroed by `Report.normalizedForDeterminism()`.
public struct WallClock: Codable, Sendable, Equatable {
    /// How long the run took in real time.
    public var timeMs: Double
    /// When the run started, in milliseconds since 1970-01-01 UTC.
    public var startedAtUnixMs: Int64

    enum CodingKeys: String, CodingKey {
        case timeMs = "time_ms"
        case startedAtUnixMs = "started_at_unix_ms"
    }

    public init(timeMs: Double = 0, startedAtUnixMs: Int64 = 0) {
        self.timeMs = timeMs
        self.startedAtUnixMs = startedAtUnixMs
    }
}
