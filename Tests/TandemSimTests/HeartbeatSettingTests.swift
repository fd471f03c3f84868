import Testing
import TandemReport
import TandemSim

/// `topology.heartbeat` is the heartbeat the simulated servers run, as a live run writes it into each server's
/// configuration: clients ping by its interval, nodes beat their presence by it, and a silent connection leaves after
/// its timeout. Without the key, the server's own 15 s / 45 s.
@Suite struct HeartbeatSettingTests {
    /// Idle users (nothing to send but pings): each client pings after half an interval in silence and each node beats
    /// its presence to the other every interval, so doubling the interval halves both.
    @Test func clientsPingAndNodesBeatByTheScenariosInterval() async throws {
        func run(_ heartbeat: String) async throws -> (pings: Int64, beats: Int64) {
            let plan = try scenario(thinkTime: "{fixed: 1h}", heartbeat: heartbeat)
            let report = try await simulate(plan).report
            return (total(report, "messages.in"), total(report, "backplane.in"))
        }
        let fast = try await run("{interval: 2s, timeout: 6s}")
        let slow = try await run("{interval: 4s, timeout: 12s}")
        let server = try await run("")
        // 12 clients for about 20 s: a ping a second each at 2 s (and the joins), half as many at 4 s.
        #expect(fast.pings > 200, "\(fast)")
        let pingRatio = Double(slow.pings) / Double(fast.pings)
        #expect(pingRatio > 0.4 && pingRatio < 0.65, "\(fast) \(slow)")
        // What a node takes from the other also holds the users' joins (the same in each run), then the beats.
        #expect(slow.beats < fast.beats && server.beats < slow.beats, "\(fast) \(slow) \(server)")
        // The server's 15 s: a fraction of the 2 s beat's traffic.
        #expect(server.pings * 4 < fast.pings, "\(fast) \(server)")
    }

    /// Browsers that vanish (their sockets silent, not closed) stay present until the heartbeat timeout, as on a real
    /// server: gone within an 8 s settle at 2 s / 6 s, still shown at the server's 45 s.
    @Test func vanishedBrowsersLeaveAfterTheScenariosTimeout() async throws {
        let faults = """
              - at: 8s
                disconnect: {clients: 50%}
            """
        let short = try await simulate(try scenario(faults: faults)).report
        #expect(short.presence.ghostsAfterSettle.isEmpty, "\(short.presence.ghostsAfterSettle.prefix(3))")
        let server = try await simulate(try scenario(faults: faults, heartbeat: "")).report
        #expect(!server.presence.ghostsAfterSettle.isEmpty)
        #expect(!server.passed)
        let long = try await simulate(try scenario(faults: faults, heartbeat: "{interval: 2s, timeout: 30s}")).report
        #expect(!long.presence.ghostsAfterSettle.isEmpty)
    }
}
