import TandemReport

extension ScenarioDecoder {
    func decodePhases(_ value: YAMLValue, scenario: Scenario) throws -> [Phase] {
        var phases = [Phase]()
        var end = Duration.zero
        for item in try value.list() {
            let entry = try item.mapping(allowing: ["ramp", "steady"])
                .exactlyOne(of: ["ramp", "steady"], what: "a phase")
            let phase: Phase
            if entry.key == "ramp" {
                let ramp = try entry.value.mapping(allowing: ["to", "over"])
                let toValue = try ramp.required("to")
                let target = try toValue.integer(in: 0...Int.max)
                guard target <= scenario.totalUserCount else {
                    throw toValue.error(.invalidValue, "cannot ramp to \(target) users: the population has "
                        + "\(scenario.totalUserCount)")
                }
                phase = .ramp(to: target, over: try ramp.required("over").duration(allowZero: true))
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

    /// `expect:` entries: each value is a threshold like `"< 150ms"`, `"<= 0"`, `0` or `2s` (a bare value
    /// means `<=`), parsed by the report's `ThresholdSpec`, so scenarios and reports share one metric catalog.
    func decodeExpectations(_ value: YAMLValue) throws -> [Expectation] {
        try value.anyMapping().entries.map { entry in
            let text = try entry.value.scalarText(expected: "a threshold like \"< 150ms\" or 0").trimmingWhitespace()
            do {
                return try ThresholdSpec(metric: entry.key, expression: text)
            } catch let error as ThresholdError {
                switch error.code {
                case .unknownMetric:
                    let known = MetricCatalog.knownPaths
                    throw entry.keyError(.unknownReference, "unknown metric '\(entry.key)'"
                        + (Suggestion.closest(to: entry.key, among: known).map { "; did you mean '\($0)'?" } ?? ""))
                case .badExpression, .unitMismatch:
                    throw entry.value.error(.invalidValue, error.message)
                }
            }
        }
    }
}
