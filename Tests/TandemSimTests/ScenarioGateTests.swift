import Foundation
import TandemCoreTestSupport
import Testing
import TandemReport

/// `tandem gate`, the real binary: noise from other seeds passes, a deliberately slower commit (the simulator's
/// test hook) is flagged on the latencies it moves and no others, and a seed that fails a checker fails the gate
/// by name. The runs are small (smoke-10 and crash-restart, a dozen seeds) and wait by polling.
@Suite struct ScenarioGateTests {
    static func scratch(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tandem-gate-\(name)-\(getpid())").path
    }

    static func gate(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await TandemBinary.run(try TandemBinary.path(), ["gate"] + arguments)
    }

    @Test func otherSeedsPassAndASlowerCommitRegressesOnlyCommitLatency() async throws {
        let scenario = TandemBinary.packageRoot + "/Scenarios/smoke-10.yaml"
        let work = Self.scratch("smoke")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let written = try await Self.gate([scenario, "--seeds", "12", "--baseline", work + "/base", "--write-baseline"])
        #expect(written.status == 0, "\(written.output)")
        let baseline = try SeedDistribution.decode(
            from: Data(contentsOf: URL(fileURLWithPath: work + "/base/smoke-10/distribution.json")))
        #expect(baseline.seeds == Array(1...12))

        // Disjoint seeds of the same build: no significant change.
        let noise = try await Self.gate(
            [scenario, "--seeds", "12", "--from", "13", "--baseline", work + "/base", "--out", work + "/noise"])
        #expect(noise.status == 0, "\(noise.output)")
        #expect(noise.output.contains("PASS smoke-10: 12 seeds against 12 baseline seeds"))
        #expect(noise.output.contains(" 0 regressed, 0 improved"))
        #expect(noise.output.contains("gate: 12 runs of 1 scenario(s)"))

        // Every append 6 ms slower: acknowledgement and propagation regress; presence does not.
        let slower = try await Self.gate([
            scenario, "--seeds", "12", "--from", "13", "--baseline", work + "/base", "--out", work + "/slow",
            "--test-hook-commit-delay-ms", "6",
        ])
        #expect(slower.status == 1, "\(slower.output)")
        let regressed = slower.output.split(separator: "\n").filter { $0.hasPrefix("  REGRESSED ") }
            .map { $0.dropFirst("  REGRESSED ".count).prefix { $0 != ":" } }
        #expect(regressed.contains("latency.ack.p50") && regressed.contains("latency.propagation.p50"))
        #expect(regressed.allSatisfy { $0.hasPrefix("latency.ack.") || $0.hasPrefix("latency.propagation.") })
        #expect(slower.output.contains("worst seed: tandem run \(scenario) --seed "))
        #expect(slower.output.contains(" --test-hook-commit-delay-ms 6.0\n"))
        let markdown = try String(contentsOfFile: work + "/slow/smoke-10/gate.md", encoding: .utf8)
        #expect(markdown.contains("| latency.presence.p50 |"))
        #expect(!markdown.contains("latency.presence.p50 | REGRESSED"))
        let html = try String(contentsOfFile: work + "/slow/smoke-10/gate.html", encoding: .utf8)
        #expect(html.contains("<svg class=\"strip\""))
    }

    /// crash-restart with the broken engine that acknowledges before storing: the seeds that lose a write fail
    /// the gate, each named with its replay command, whatever the latencies say.
    @Test func aSeedThatLosesAWriteFailsTheGateByName() async throws {
        let scenario = TandemBinary.packageRoot + "/Scenarios/crash-restart.yaml"
        let work = Self.scratch("crash")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let written = try await Self.gate([scenario, "--seeds", "8", "--baseline", work + "/base", "--write-baseline"])
        #expect(written.status == 0, "\(written.output)")
        let broken = try await Self.gate(
            [scenario, "--baseline", work + "/base", "--out", work + "/broken", "--ack-before-persist"])
        #expect(broken.status == 1, "\(broken.output)")
        let candidate = try SeedDistribution.decode(
            from: Data(contentsOf: URL(fileURLWithPath: work + "/broken/crash-restart/distribution.json")))
        let failing = candidate.failures.map(\.seed)
        #expect(!failing.isEmpty)
        for seed in failing {
            #expect(broken.output.contains("SEED \(seed) FAILED: "))
            #expect(broken.output.contains("reproduce: tandem run \(scenario) --seed \(seed) --ack-before-persist"))
        }
        #expect(broken.output.contains("lost_acknowledged_writes <= 0: actual "))
    }

    @Test func aMissingBaselineIsBadInput() async throws {
        let scenario = TandemBinary.packageRoot + "/Scenarios/smoke-10.yaml"
        let work = Self.scratch("missing")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try await TandemBinary.run(try TandemBinary.path(), ["gate", scenario, "--baseline", work])
        #expect(result.status == 2)
    }
}
