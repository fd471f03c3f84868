import TandemReport
import TandemRuntime
import TandemScenario

/// The timeline of a run: when each user arrives or leaves (from the phases), when faults start and end,
/// when actions stop, and when the world is sampled.
public struct SimSchedule {
    public enum Kind: Sendable {
        case arrive(Int)
        case depart(Int)
        case faultStart(Int)
        case faultEnd(Int)
        case sample
        case stopActing
        case converge
    }

    public struct Event: Sendable {
        public var atNanos: Int64
        /// Breaks ties at one instant: faults end before they start, arrivals after faults, samples last.
        public var order: Int
        public var kind: Kind
    }

    static let convergenceSampleNanos: Int64 = 250_000_000

    /// Every event of a run, in the order they happen. `seed` (the run's) places the users of a
    /// `spacing: random` ramp.
    public static func events(for scenario: Scenario, clientCount: Int, seed: UInt64) -> [Event] {
        var events: [Event] = []
        var order = 0
        func add(_ atNanos: Int64, _ kind: Kind) {
            order += 1
            events.append(Event(atNanos: atNanos, order: order, kind: kind))
        }
        let durationNanos = scenario.duration.nanosecondsClamped
        for (index, fault) in scenario.faults.enumerated() {
            add(fault.at.nanosecondsClamped, .faultStart(index))
            if let end = fault.end { add(end.nanosecondsClamped, .faultEnd(index)) }
        }
        if scenario.phases.isEmpty {
            for client in 0..<clientCount { add(0, .arrive(client)) }
        } else {
            var present = 0
            var startNanos: Int64 = 0
            for (index, phase) in scenario.phases.enumerated() {
                let lengthNanos = phase.duration.nanosecondsClamped
                if case .ramp(let target, _, let spacing) = phase {
                    let goal = min(target, clientCount)
                    if goal > present {
                        let times = rampTimes(count: goal - present, lengthNanos: lengthNanos, firstAtStart: true,
                                              spacing: spacing, seed: seed, phase: index)
                        for (time, client) in zip(times, present..<goal) { add(startNanos + time, .arrive(client)) }
                    } else if goal < present {
                        let times = rampTimes(count: present - goal, lengthNanos: lengthNanos, firstAtStart: false,
                                              spacing: spacing, seed: seed, phase: index)
                        for (time, client) in zip(times, (goal..<present).reversed()) {
                            add(startNanos + time, .depart(client))
                        }
                    }
                    present = goal
                }
                startNanos += lengthNanos
            }
        }
        var second: Int64 = 1_000_000_000
        while second <= durationNanos + scenario.settle.nanosecondsClamped {
            add(second, .sample)
            second += 1_000_000_000
        }
        add(durationNanos, .stopActing)
        var sampleAt = durationNanos
        while sampleAt < durationNanos + scenario.settle.nanosecondsClamped {
            add(sampleAt, .converge)
            sampleAt += convergenceSampleNanos
        }
        return events.sorted { ($0.atNanos, $0.order) < ($1.atNanos, $1.order) }
    }

    /// When, from a ramp's start, its `count` users arrive (or leave), in their order. Even: one every
    /// `length / count`, the first at the start (arrivals) or one step in (departures, the last at the end).
    /// Random: each uniform in the window (arrivals `[0, length)`, departures `(0, length]`), drawn from the
    /// seed's own stream for this phase (so other draws do not move), sorted.
    static func rampTimes(
        count: Int, lengthNanos: Int64, firstAtStart: Bool, spacing: RampSpacing, seed: UInt64, phase: Int
    ) -> [Int64] {
        switch spacing {
        case .even:
            let step = lengthNanos / Int64(count)
            return (0..<count).map { step * Int64(firstAtStart ? $0 : $0 + 1) }
        case .random:
            guard lengthNanos > 0 else { return Array(repeating: 0, count: count) }
            var random = SplitMix64.derive(seed: seed, stream: 0x7261_6D70_0000 &+ UInt64(phase))
            return (0..<count).map { _ in
                let drawn = min(lengthNanos - 1, Int64(random.nextDouble() * Double(lengthNanos)))
                return firstAtStart ? drawn : lengthNanos - drawn
            }.sorted()
        }
    }
}

extension Scenario {
    /// The phases of the load curve on the run's clock, for `{phase: …}` scopes.
    public var phaseWindows: [RunTimeline.Phase] {
        var start: Int64 = 0
        return phases.enumerated().map { offset, phase in
            let end = start + phase.duration.nanosecondsClamped
            defer { start = end }
            if case .steady = phase {
                return RunTimeline.Phase(number: offset + 1, isSteady: true, startNanos: start, endNanos: end)
            }
            return RunTimeline.Phase(number: offset + 1, isSteady: false, startNanos: start, endNanos: end)
        }
    }
}
