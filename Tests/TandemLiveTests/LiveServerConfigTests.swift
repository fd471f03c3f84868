import Foundation
import TandemCore
import TandemScenario
import Testing

@testable import TandemLive

/// What `tandem-live` writes into each managed server's configuration from the scenario: the same settings the
/// simulator runs, so a scenario means the same thing on both sides.
@Suite struct LiveServerConfigTests {
    /// The configuration of `LiveClusterTests.twoNodes`'s node-1, with `topologyLine` added under its broker.
    private static func config(_ topologyLine: String) throws -> String {
        let broker = "  broker: {kind: redis-streams}"
        let yaml = LiveClusterTests.twoNodes.replacingOccurrences(of: broker, with: broker + topologyLine)
        let scenario = try ScenarioLoader.load(yaml: yaml, file: "config.yaml")
        return LiveCluster.serverConfig(
            node: NodeID(number: 1), database: nil, backplane: nil, secret: "s", password: "p",
            directory: URL(fileURLWithPath: "/tmp/unused"), scenario: scenario)
    }

    /// The section's lines, from `heartbeat:` to the next top-level key.
    private static func heartbeatSection(_ config: String) -> [String] {
        let lines = config.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "heartbeat:") else { return [] }
        return Array(lines[(start + 1)...].prefix { $0.hasPrefix(" ") })
    }

    @Test func theServersRunTheScenariosHeartbeat() throws {
        let given = try Self.config("\n  heartbeat: {interval: 3s, timeout: 9s}")
        #expect(Self.heartbeatSection(given) == ["  interval: 3s", "  timeout: 9s"], "\(given)")
    }

    @Test func withoutTheKeyTheServersRunTheirDefaultHeartbeat() throws {
        let plain = try Self.config("")
        #expect(Self.heartbeatSection(plain) == [
            "  interval: \(DurationText.format(HeartbeatDefaults.interval))",
            "  timeout: \(DurationText.format(HeartbeatDefaults.timeout))",
        ], "\(plain)")
        #expect(Self.heartbeatSection(plain) == ["  interval: 15s", "  timeout: 45s"])
    }
}
