/// Turns a composed YAML document into a ``Scenario``, checking types, ranges and cross references.
///
/// Sections are decoded in dependency order (topology, models, population, phases, faults, expect),
/// whatever their order in the file, so that later sections can check names against earlier ones.
/// The first problem found is thrown; unknown keys of a mapping are found before its values are read.
struct ScenarioDecoder {
    /// A calibration profile that replaces the one the scenario names (`tandem run --profile FILE`).
    var profile: ScenarioProfile.Source?

    static let rootKeys = [
        "name", "description", "seed", "duration", "settle", "topology", "models", "population", "phases",
        "faults", "expect",
    ]

    /// The longest `duration` a scenario may have.
    static let durationMax: Duration = .seconds(24 * 3600)

    func decode(_ root: YAMLValue, fileHash: String) throws -> Scenario {
        let map = try root.mapping(allowing: Self.rootKeys)
        let name = try map.required("name").identifier(what: "a scenario name")
        let description = try map.optional("description")?.scalarText(expected: "text").trimmingWhitespace() ?? ""
        let seed = try map.optional("seed").map(Self.seed) ?? Scenario.defaultSeed
        let durationValue = try map.required("duration")
        let duration = try durationValue.duration()
        guard duration <= Self.durationMax else {
            throw durationValue.error(
                .invalidValue, "a scenario may last at most \(DurationText.format(Self.durationMax))")
        }
        let settle = try map.optional("settle")?.duration(allowZero: true) ?? Scenario.defaultSettle
        let (topology, profile) = try decodeTopology(map.optional("topology"), profile: self.profile)
        let models = try decodeModels(map.required("models"))
        let population = try decodePopulation(map.required("population"), models: models, topology: topology)
        var scenario = Scenario(
            name: name, description: description, seed: seed, duration: duration, settle: settle,
            topology: topology, models: models, population: population, phases: [], file: root.file,
            fileHash: fileHash)
        scenario.profile = profile
        scenario.phases = try map.optional("phases").map { try decodePhases($0, scenario: scenario) }
            ?? [.ramp(to: scenario.totalUserCount, over: .zero)]
        scenario.faults = try map.optional("faults").map { try decodeFaults($0, scenario: scenario) } ?? []
        scenario.expectations = try map.optional("expect").map { try decodeExpectations($0, scenario: scenario) } ?? []
        return scenario
    }

    static func seed(_ value: YAMLValue) throws -> UInt64 {
        let text = try value.scalarText(expected: "a seed")
        guard let seed = UInt64(text.filter { $0 != "_" }) else {
            throw value.error(.wrongType, "expected a seed: a whole number in 0...\(UInt64.max), found '\(text)'")
        }
        return seed
    }

    /// `value` as one of `cases`' raw values, with a hint when it is close to one.
    static func oneOf<T: RawRepresentable & CaseIterable>(_ value: YAMLValue, _ type: T.Type, what: String) throws
        -> T where T.RawValue == String
    {
        let text = try value.scalarText(expected: what)
        if let match = T(rawValue: text) { return match }
        let names = T.allCases.map(\.rawValue)
        throw value.error(.invalidValue, "unknown \(what) '\(text)'" + YAMLValue.hint(text, among: names))
    }

    /// `value` as the name of a node of the topology (`node-1` … `node-N`).
    static func node(_ value: YAMLValue, topology: Topology) throws -> NodeID {
        let text = try value.scalarText(expected: "a node name like node-1")
        guard let node = NodeID(name: text) else {
            throw value.error(.invalidValue, "expected a node name like node-1, found '\(text)'")
        }
        guard node.number <= topology.nodeCount else {
            throw value.error(.unknownReference, "unknown node '\(text)': the topology has \(topology.nodeCount) "
                + "node\(topology.nodeCount == 1 ? "" : "s") (\(Self.nodeRange(topology)))")
        }
        return node
    }

    static func nodeRange(_ topology: Topology) -> String {
        topology.nodeCount == 1 ? "node-1" : "node-1 … node-\(topology.nodeCount)"
    }
}
