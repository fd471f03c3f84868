extension ScenarioDecoder {
    func decodePhases(_ value: YAMLValue, scenario: Scenario) throws -> [Phase] {
        var phases = [Phase]()
        var end = Duration.zero
        for item in try value.list() {
            let entry = try item.mapping(allowing: ["ramp", "steady"])
                .exactlyOne(of: ["ramp", "steady"], what: "a phase")
            let phase: Phase
            if entry.key == "ramp" {
                let ramp = try entry.value.mapping(allowing: ["to", "over", "spacing"])
                let toValue = try ramp.required("to")
                let target = try toValue.integer(in: 0...Int.max)
                guard target <= scenario.totalUserCount else {
                    throw toValue.error(.invalidValue, "cannot ramp to \(target) users: the population has "
                        + "\(scenario.totalUserCount)")
                }
                let spacing = try ramp.optional("spacing")
                    .map { try Self.oneOf($0, RampSpacing.self, what: "ramp spacing") } ?? .even
                phase = .ramp(to: target, over: try ramp.required("over").duration(allowZero: true), spacing: spacing)
            } else {
                phase = .steady(try entry.value.duration())
            }
            end += phase.duration
            guard end <= scenario.duration else {
                throw entry.value.error(.invalidValue, "the phases end at \(DurationText.format(end)), after the run's "
                    + "duration (\(DurationText.format(scenario.duration)))")
            }
            phases.append(phase)
        }
        return phases
    }
}
