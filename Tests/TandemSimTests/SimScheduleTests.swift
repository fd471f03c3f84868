import Testing
import TandemScenario
import TandemSim

/// When users arrive and leave: a ramp's `spacing`.
struct SimScheduleTests {
    private func ramps(_ spacing: String, users: Int = 100) throws -> Scenario {
        try scenario(users: users, duration: "30s", phases: """
              - ramp: {to: \(users), over: 10s\(spacing)}
              - steady: 10s
              - ramp: {to: 0, over: 10s\(spacing)}
            """)
    }

    private func arrivals(_ events: [SimSchedule.Event]) -> [(client: Int, atNanos: Int64)] {
        events.compactMap { event in
            guard case .arrive(let client) = event.kind else { return nil }
            return (client, event.atNanos)
        }
    }

    private func departures(_ events: [SimSchedule.Event]) -> [(client: Int, atNanos: Int64)] {
        events.compactMap { event in
            guard case .depart(let client) = event.kind else { return nil }
            return (client, event.atNanos)
        }
    }

    @Test func anEvenRampPlacesOneUserPerStep() throws {
        let events = SimSchedule.events(for: try ramps(""), clientCount: 100, seed: 1)
        let arrived = arrivals(events)
        #expect(arrived.map(\.client) == Array(0..<100))
        #expect(arrived.map(\.atNanos) == (0..<100).map { Int64($0) * 100_000_000 })
        // Leaving in the reverse order of arrival, the first one step into the ramp, the last at its end.
        let left = departures(events)
        #expect(left.map(\.client) == Array((0..<100).reversed()))
        #expect(left.map(\.atNanos) == (1...100).map { 20_000_000_000 + Int64($0) * 100_000_000 })
    }

    @Test func aRandomRampDrawsEachTimeInItsWindowFromTheSeed() throws {
        let scenario = try ramps(", spacing: random")
        let events = SimSchedule.events(for: scenario, clientCount: 100, seed: 1)
        let arrived = arrivals(events)
        let left = departures(events)
        // Everyone still arrives, in order, inside the window, and leaves in reverse order inside its window.
        #expect(arrived.map(\.client) == Array(0..<100))
        #expect(arrived.allSatisfy { $0.atNanos >= 0 && $0.atNanos < 10_000_000_000 })
        #expect(zip(arrived, arrived.dropFirst()).allSatisfy { $0.atNanos <= $1.atNanos })
        #expect(left.map(\.client) == Array((0..<100).reversed()))
        #expect(left.allSatisfy { $0.atNanos > 20_000_000_000 && $0.atNanos <= 30_000_000_000 })
        // Not the even steps: independent draws cluster (some gaps far shorter, some far longer than 100 ms).
        let gaps = zip(arrived, arrived.dropFirst()).map { $1.atNanos - $0.atNanos }
        #expect(gaps.contains { $0 < 20_000_000 } && gaps.contains { $0 > 250_000_000 })
        // The same seed gives the same times; another seed others.
        let again = arrivals(SimSchedule.events(for: scenario, clientCount: 100, seed: 1))
        #expect(again.map(\.atNanos) == arrived.map(\.atNanos))
        let other = arrivals(SimSchedule.events(for: scenario, clientCount: 100, seed: 2))
        #expect(other.map(\.atNanos) != arrived.map(\.atNanos))
        // The even file's other events are where they were: only the ramps moved.
        let even = SimSchedule.events(for: try ramps(""), clientCount: 100, seed: 1)
        func others(_ events: [SimSchedule.Event]) -> [Int64] {
            events.filter {
                switch $0.kind {
                case .arrive, .depart: false
                default: true
                }
            }.map(\.atNanos)
        }
        #expect(others(events) == others(even))
    }

    @Test func aRandomRampChangesTheRunAndKeepsItDeterministic() async throws {
        let even = try await simulate(try ramps("", users: 12))
        let random = try await simulate(try ramps(", spacing: random", users: 12))
        let again = try await simulate(try ramps(", spacing: random", users: 12))
        #expect(random.report.identity.traceHash == again.report.identity.traceHash)
        #expect(random.report.identity.traceHash != even.report.identity.traceHash)
        #expect(random.report.passed)
    }
}
