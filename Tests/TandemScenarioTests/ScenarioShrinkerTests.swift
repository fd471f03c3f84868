import TandemScenario
import Testing

/// The one-step reductions `tandem shrink` tries: each is one thing smaller, loads as a scenario, and comes in the
/// same order every time.
@Suite struct ScenarioShrinkerTests {
    static let yaml = """
        # a comment the shrinker does not keep
        name: shrinkable
        seed: 4
        duration: 40s
        settle: 5s
        topology:
          nodes: 3
          broker: {kind: redis-streams}
        models:
          - name: Doc
            fields: {title: string, body: text}
        population:
          - group: editors
            users: 40
            records: {model: Doc, count: 8}
            behavior:
              think_time: {exponential: {mean: 2s}}
              actions: {type_text: 0.5, set_field: 0.5}
          - group: readers
            users: 10
            records: {model: Doc, count: 8}
            behavior:
              think_time: {exponential: {mean: 5s}}
              actions: {move_cursor: 1}
        phases:
          - ramp: {to: 50, over: 10s}
          - steady: 30s
        faults:
          - at: 12s
            crash: {node: node-3, restart_after: 3s}
          - at: 25s
            partition: {between: [node-2], and: [broker], for: 5s}
        expect:
          "latency.propagation.p99{outside: faults}": "< 175ms"
          divergent_clients: 0
        """

    static func load(_ yaml: String) throws -> Scenario { try ScenarioLoader.load(yaml: yaml, file: "shrunk.yaml") }

    @Test func everyStepIsOneThingSmallerAndTheOrderIsFixed() throws {
        let steps = ScenarioShrinker.reductions(of: Self.yaml)
        #expect(steps.map(\.step) == [
            "fault 1 (crash) removed", "fault 2 (partition) removed",
            "group editors removed", "group readers removed",
            "nodes cut: 3 → 2",
            "users of group editors halved: 40 → 20", "users of group readers halved: 10 → 5",
            "users of group editors cut by a quarter: 40 → 30", "users of group readers cut by a quarter: 10 → 8",
            "records of group editors halved: 8 → 4", "records of group readers halved: 8 → 4",
            "phase 1 (ramp) removed", "phase 2 (steady) removed",
            "steady phase 2 halved: 30s → 15s",
            "run cut: 40s → 20s", "run cut: 40s → 30s",
        ])
        #expect(ScenarioShrinker.reductions(of: Self.yaml) == steps, "deterministic")
        let original = try Self.load(Self.yaml)
        let byStep = Dictionary(uniqueKeysWithValues: steps.map { ($0.step, $0.yaml) })

        let noCrash = try Self.load(try #require(byStep["fault 1 (crash) removed"]))
        #expect(noCrash.faults.count == 1 && noCrash.faults.count == original.faults.count - 1)
        #expect(noCrash.expectations == original.expectations, "what the step does not touch stays")
        #expect(noCrash.topology == original.topology && noCrash.models == original.models)

        // Halving the editors ramps to the 30 users left, not to 50.
        let fewer = try Self.load(try #require(byStep["users of group editors halved: 40 → 20"]))
        #expect(fewer.population.map(\.userCount) == [20, 10])
        #expect(fewer.phases.first == .ramp(to: 30, over: .seconds(10)))

        // Two nodes cannot hold a crash of node-3: the loader refuses that step, and the search skips it.
        #expect(throws: ScenarioError.self) { try Self.load(try #require(byStep["nodes cut: 3 → 2"])) }

        // Cutting the run at 20 s keeps the ramp and 10 s of the steady phase, and leaves the 25 s fault past the end.
        let cut = try #require(byStep["run cut: 40s → 20s"])
        #expect(cut.contains("duration: 20s") && cut.contains("steady: 10s"))
        #expect(throws: ScenarioError.self) { try Self.load(cut) }
        // Cut by a quarter it ends at 30 s, after the partition's window: that one loads.
        let shorter = try Self.load(try #require(steps.last?.yaml))
        #expect(shorter.duration == .seconds(30) && shorter.phases == [.ramp(to: 50, over: .seconds(10)), .steady(.seconds(20))])
    }

    @Test func shrinkingStartsFromTheReportsSeedUnderANewName() throws {
        let renamed = try Self.load(try #require(ScenarioShrinker.renamed(Self.yaml, suffix: "-shrunk", seed: 99)))
        #expect(renamed.name == "shrinkable-shrunk" && renamed.seed == 99)
        #expect(ScenarioShrinker.renamed("- just\n- a list\n", suffix: "-shrunk", seed: 1) == nil)
    }

    @Test func aScenarioWithNothingLeftToRemoveHasNoSteps() {
        let minimal = """
            name: minimal
            duration: 1s
            models: [{name: M, fields: {title: string}}]
            population: [{group: g, users: 1, records: {model: M, count: 1}, behavior: {actions: {set_field: 1}}}]
            """
        #expect(ScenarioShrinker.reductions(of: minimal).isEmpty)
    }
}
