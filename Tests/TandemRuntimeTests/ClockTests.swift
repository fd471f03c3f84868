import TandemRuntime
import Testing

@Suite struct ClockTests {
    @Test func simClockIsATandemClockOnAFixedEpoch() async throws {
        let run = await simulateOnThread { sim -> [Int64] in
            let clock: any TandemClock = sim.clock
            let before = [clock.nowNanos(), clock.wallMillis()]
            try await clock.sleep(for: .milliseconds(1_500))
            return before + [clock.nowNanos(), clock.wallMillis()]
        }
        let epoch = SimExecutor.wallEpochMillisDefault
        #expect(try run.get() == [0, epoch, 1_500_000_000, epoch + 1_500])
        #expect(epoch == 1_767_225_600_000)  // 2026-01-01T00:00:00Z
    }

    @Test func theWallEpochOfASimulationIsConfigurable() async {
        let wall = await SimThread.run { SimExecutor(wallEpochMillis: 1_000).clock.wallMillis() }
        #expect(wall == 1_000)
    }

    @Test func simClockSleepsOnEveryEntryPoint() async throws {
        let run = await simulateOnThread { sim -> Int64 in
            let clock = sim.clock
            try await clock.sleep(for: .milliseconds(1))
            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(2)), tolerance: nil)
            try await Task.sleep(for: .milliseconds(3), clock: clock)
            try await sim.sleep(for: .milliseconds(4))
            try await clock.sleep(for: .milliseconds(-5))  // the past: returns at once
            return clock.now.nanoseconds
        }
        #expect(try run.get() == 10_000_000)
    }

    @Test func systemClockIsMonotonicAndReadsTheRealWallClock() async throws {
        let clock = SystemClock()
        let start = clock.nowNanos()
        try await clock.sleep(for: .milliseconds(2))
        #expect(clock.nowNanos() - start >= 2_000_000)
        #expect(clock.wallMillis() > 1_700_000_000_000)
    }
}
