import TandemReport
/// A load-test scenario: the validated content of one scenario YAML file.
///
/// The same value drives both worlds: `sim` (virtual time, one seed → one trace) and `live` (wall clock,
/// real processes). It holds no behaviour beyond small derived views; the simulator and the live driver
/// interpret it. Build one with `ScenarioLoader`, which rejects anything this type cannot represent.
///
/// Defaults when a key is omitted:
/// - `description`: empty;
/// - `seed`: ``Scenario/defaultSeed`` (0); the command line's `--seed` overrides it;
/// - `settle`: ``Scenario/defaultSettle`` (10 s): quiet time after `duration` (no traffic, no faults)
///   before the final checks; a run lasts `duration + settle` of simulated time;
/// - `topology`: see ``Topology`` (one node, `redis-streams`);
/// - `phases`: one ramp to every user over zero seconds (everyone joins at time zero); after the last
///   phase, the number of connected users stays where that phase left it until `duration`;
/// - `faults`, `expect`: none.
public struct Scenario: Sendable, Equatable {
    /// The seed a scenario gets when its file names none.
    public static let defaultSeed: UInt64 = 0
    /// The quiet time after `duration` when a file names none.
    public static let defaultSettle: Duration = .seconds(10)

    /// The scenario's name, used as the folder name of its reports (`Reports/<name>/…`).
    public var name: String
    /// Free text for people; trailing newlines are removed.
    public var description: String
    /// The seed of every random decision of a `sim` run.
    public var seed: UInt64
    /// How long traffic and faults run.
    public var duration: Duration
    /// Quiet time after `duration` before convergence and the other final checks.
    public var settle: Duration
    /// Nodes, broker, store and the links between them.
    public var topology: Topology
    /// The record models users edit, in file order.
    public var models: [ModelSpec]
    /// The groups of simulated users, in file order.
    public var population: [PopulationGroup]
    /// How the number of connected users changes over time, in order.
    public var phases: [Phase]
    /// Faults injected during the run, in file order (not necessarily sorted by time).
    public var faults: [Fault]
    /// Thresholds the run's report must meet, in file order.
    public var expectations: [Expectation]
    /// Where the scenario came from, as given to the loader (a path, or the name passed with the text).
    public var file: String
    /// FNV-1a 64 of the file's bytes as 16 lowercase hex digits: the scenario's identity in reports.
    public var fileHash: String
    /// The calibration profile under the topology, if any (`topology.profile` or `--profile`).
    public var profile: ScenarioProfile?

    public init(
        name: String,
        description: String = "",
        seed: UInt64 = Scenario.defaultSeed,
        duration: Duration,
        settle: Duration = Scenario.defaultSettle,
        topology: Topology = Topology(),
        models: [ModelSpec],
        population: [PopulationGroup],
        phases: [Phase],
        faults: [Fault] = [],
        expectations: [Expectation] = [],
        file: String = "",
        fileHash: String = ""
    ) {
        self.name = name
        self.description = description
        self.seed = seed
        self.duration = duration
        self.settle = settle
        self.topology = topology
        self.models = models
        self.population = population
        self.phases = phases
        self.faults = faults
        self.expectations = expectations
        self.file = file
        self.fileHash = fileHash
    }
}

extension Scenario {
    /// Every user of every group.
    public var totalUserCount: Int { population.reduce(0) { $0 + $1.userCount } }

    /// The simulated time a whole run takes: traffic, faults, then the quiet settle time.
    public var totalDuration: Duration { duration + settle }

    /// The model named `name`, if the scenario defines it.
    public func model(named name: String) -> ModelSpec? { models.first { $0.name == name } }

    /// The group named `name`, if the scenario defines it.
    public func group(named name: String) -> PopulationGroup? { population.first { $0.name == name } }

    /// The `expect` entry for `metric`, if any.
    public func expectation(for metric: String) -> Expectation? { expectations.first { $0.metric == metric } }
}
