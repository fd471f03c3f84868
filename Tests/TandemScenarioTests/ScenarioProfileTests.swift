import Foundation
import TandemReport
import TandemScenario
import Testing

/// Calibration profiles under a scenario's topology: `topology.profile` or `--profile`, the scenario's own values
/// winning term by term, and clear errors for a profile that cannot be used.
struct ScenarioProfileTests {
    static let profile = """
        profile: 1
        engine_version: \(EngineVersion.current)
        calibrated: {from: live-smoke.yaml, seed: 5}
        topology:
          store: {latency: {lognormal: {median: 400us, p99: 2ms}}}
          links:
            node_broker: {latency: {fixed: 150us}}
          node:
            per_message: {lognormal: {median: 35us, p99: 110us}}
            per_delivery: 15us
        """

    /// A folder holding `profile.yaml` (the text given) and nothing else.
    static func folder(profile text: String = profile) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try text.write(to: url.appendingPathComponent("profile.yaml"), atomically: true, encoding: .utf8)
        return url
    }

    /// `Fixtures.base` with `lines` added under `topology:` (before `nodes: 3`).
    static func scenario(_ lines: String) -> String {
        Fixtures.base.replacingOccurrences(of: "  nodes: 3\n", with: lines + "  nodes: 3\n")
    }

    @Test func aProfileSetsTheCostsAndTheScenarioOverridesThemTermByTerm() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        try Self.scenario("  profile: profile.yaml\n  node: {per_delivery: 9us}\n").write(to: file, atomically: true, encoding: .utf8)
        let scenario = try ScenarioLoader.loadFile(path: file.path)
        let topology = scenario.topology
        #expect(topology.node.perMessage == .lognormal(median: .microseconds(35), p99: .microseconds(110)), "the profile's")
        #expect(topology.node.perDelivery == .fixed(.microseconds(9)), "the scenario's own value wins")
        #expect(topology.node.perRecipient == NodeCosts.measured.perRecipient, "neither gives it: the default")
        #expect(topology.storeLatency == .lognormal(median: .microseconds(400), p99: .milliseconds(2)))
        #expect(topology.links.nodeBroker.latency == .fixed(.microseconds(150)))
        // Fixtures.base gives client_node itself: it stays the scenario's.
        #expect(topology.links.clientNode.latency == .fixed(.milliseconds(20)))
        #expect(topology.nodeCount == 3)
        let recorded = try #require(scenario.profile)
        #expect(recorded.file == folder.appendingPathComponent("profile.yaml").path)
        #expect(recorded.hash == FNV1a.hexHash(Self.profile.utf8))

        let without = try ScenarioLoader.load(yaml: Fixtures.base, file: "t.yaml")
        #expect(without.profile == nil && without.topology.node == NodeCosts.measured)
    }

    @Test func aGivenProfileReplacesTheOneTheScenarioNames() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = folder.appendingPathComponent("other.yaml")
        try Self.profile.replacingOccurrences(of: "per_delivery: 15us", with: "per_delivery: 30us")
            .write(to: other, atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("s.yaml")
        try Self.scenario("  profile: profile.yaml\n").write(to: file, atomically: true, encoding: .utf8)
        let scenario = try ScenarioLoader.loadFile(path: file.path, profile: other.path)
        #expect(scenario.topology.node.perDelivery == .fixed(.microseconds(30)))
        #expect(scenario.profile?.file == other.path)
        // Also for a scenario that names none, and one with no topology at all.
        let plain = try ScenarioLoader.load(yaml: Fixtures.base, file: "t.yaml", profile: other.path)
        #expect(plain.topology.node.perDelivery == .fixed(.microseconds(30)))
    }

    @Test func aProfileThatCannotBeUsedIsALocatedError() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = folder.appendingPathComponent("profile.yaml").path
        func error(_ profileText: String) throws -> ScenarioError {
            try profileText.write(toFile: profile, atomically: true, encoding: .utf8)
            do {
                _ = try ScenarioLoader.load(yaml: Fixtures.base, file: "t.yaml", profile: profile)
            } catch {
                return error
            }
            Issue.record("loaded a bad profile: \(profileText)")
            return ScenarioError(code: .unreadable, file: "", line: 0, column: 0, keyPath: "", message: "")
        }
        let older = try error(Self.profile.replacingOccurrences(of: "engine_version: \(EngineVersion.current)",
                                                                with: "engine_version: 0.0.9"))
        #expect(older.file == profile && older.line == 2 && older.keyPath == "engine_version", "\(older)")
        #expect(older.message.contains("0.0.9") && older.message.contains("tandem calibrate"), "\(older)")

        let shape = try error(Self.profile.replacingOccurrences(of: "  store:", with: "  nodes: 4\n  store:"))
        #expect(shape.code == .unknownKey && shape.keyPath == "topology.nodes" && shape.line == 5, "\(shape)")

        let format = try error(Self.profile.replacingOccurrences(of: "profile: 1", with: "profile: 2"))
        #expect(format.keyPath == "profile" && format.line == 1, "\(format)")

        let term = try error(Self.profile.replacingOccurrences(of: "per_delivery: 15us", with: "per_delivery: soon"))
        #expect(term.file == profile && term.keyPath == "topology.node.per_delivery" && term.line == 10, "\(term)")

        // A scenario naming a profile that is not there: the error points at the scenario's line.
        let file = folder.appendingPathComponent("s.yaml")
        try Self.scenario("  profile: missing.yaml\n").write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try ScenarioLoader.loadFile(path: file.path)
        } throws: { error in
            let located = error as? ScenarioError
            return located?.file == file.path && located?.line == 4 && located?.keyPath == "topology.profile"
                && located?.message.contains("missing.yaml") == true
        }
    }
}
