import Testing
import TandemReport
import TandemScenario
import TandemSim

/// `--wire` runs the production codecs on every simulated hop (client frames, server frames, backplane JSON): every
/// message must come back equal, and the run must be the same run, trace hash for trace hash.
@Suite struct WireModeTests {
    @Test(arguments: ["smoke-10", "crash-restart", "partition-pubsub", "delete-during-partition"])
    func aShippedScenarioRunsTheSameThroughTheCodecs(_ name: String) async throws {
        let scenario = try shippedScenario(name)
        let plain = try await simulate(scenario).report
        var options = SimulationOptions()
        options.wire = true
        let wired = try await simulate(scenario, options: options).report
        let counters = wired.load.run.counters
        #expect((counters["wire.round_trips"] ?? 0) > 1_000, "\(counters)")
        #expect(counters["wire.mismatches"] == nil, "a message changed on its way through the codec")
        #expect(counters["wire.decode_failures"] == nil, "a message the codec wrote could not be read back")
        #expect(wired.identity.traceHash == plain.identity.traceHash)
        #expect(plain.load.run.counters["wire.round_trips"] == nil)
    }
}
