import Testing
import TandemScenario

/// `Scenario.scaled(users:nodes:)`, the rewrite a capacity search runs at each point: groups keep their shares,
/// ramps follow, the rest of the file stays, and what cannot exist at the asked size is an error.
@Suite struct ScenarioScalingTests {
    static func twoGroups() throws -> Scenario {
        try ScenarioLoader.load(yaml: """
            name: two-groups
            duration: 30s
            topology: {nodes: 2}
            models:
              - name: Doc
                fields: {body: text}
            population:
              - group: writers
                users: 30
                records: {model: Doc, count: 4}
                behavior: {actions: {type_text: 1}}
              - group: readers
                users: 10
                records: {model: Doc, count: 4}
                behavior: {actions: {move_cursor: 1}}
            phases:
              - ramp: {to: 40, over: 10s}
              - steady: 10s
              - ramp: {to: 20, over: 5s}
            """, file: "two-groups.yaml")
    }

    @Test func groupsKeepTheirSharesAndRampsFollow() throws {
        let original = try Self.twoGroups()
        let scaled = try original.scaled(users: 1_001, nodes: 5)
        #expect(scaled.topology.nodeCount == 5)
        #expect(scaled.population.map(\.userCount) == [751, 250])
        #expect(scaled.totalUserCount == 1_001)
        #expect(scaled.phases == [.ramp(to: 1_001, over: .seconds(10)), .steady(.seconds(10)),
                                  .ramp(to: 501, over: .seconds(5))])
        // Everything else is the file's.
        var unchanged = scaled
        unchanged.topology.nodeCount = original.topology.nodeCount
        unchanged.population = original.population
        unchanged.phases = original.phases
        #expect(unchanged == original)
    }

    @Test func everyGroupKeepsAUserAndTheTotalIsExact() throws {
        let original = try Self.twoGroups()
        for users in [2, 3, 4, 7, 39, 40, 41, 997] {
            let counts = try original.scaled(users: users, nodes: 1).population.map(\.userCount)
            #expect(counts.reduce(0, +) == users && counts.allSatisfy { $0 >= 1 })
            #expect(counts[0] >= counts[1])
        }
        #expect(throws: ScalingError.self) { try original.scaled(users: 1, nodes: 1) }
    }

    @Test func aFaultOnANodeTheClusterLacksIsAnError() throws {
        let scenario = try ScenarioLoader.loadFile(path: Fixtures.scenariosDirectory + "/classroom-150.yaml")
        #expect(scenario.highestNamedNode?.node == NodeID(number: 3))
        #expect(throws: ScalingError("faults[4] (crash) names node-3, which 2 node(s) do not have")) {
            try scenario.scaled(users: 100, nodes: 2)
        }
        let scaled = try scenario.scaled(users: 300, nodes: 3)
        #expect(scaled.totalUserCount == 300 && scaled.faults == scenario.faults)
        #expect(scaled.phases.first == .ramp(to: 300, over: .seconds(20)))
    }

    /// `--users` / `--nodes` of `tandem run` and `tandem-live run`: one dimension given keeps the other.
    @Test func resizingKeepsWhatIsNotGiven() throws {
        let scenario = try Self.twoGroups()
        #expect(try scenario.resized(users: nil, nodes: nil) == scenario)
        let users = try scenario.resized(users: 80, nodes: nil)
        #expect(users.totalUserCount == 80 && users.topology.nodeCount == 2)
        #expect(users == (try scenario.scaled(users: 80, nodes: 2)))
        let nodes = try scenario.resized(users: nil, nodes: 5)
        #expect(nodes.totalUserCount == 40 && nodes.topology.nodeCount == 5)
        #expect(throws: ScalingError.self) { try scenario.resized(users: 1, nodes: nil) }
    }
}
