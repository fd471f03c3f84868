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

    func decodeExpectations(_ value: YAMLValue) throws -> [Expectation] {
        let metrics = MetricCatalog.metrics.map(\.path)
        return try value.anyMapping().entries.map { entry in
            guard let kind = MetricCatalog.kind(of: entry.key) else {
                throw entry.keyError(.unknownReference, "unknown metric '\(entry.key)'"
                    + (Suggestion.closest(to: entry.key, among: metrics).map { "; did you mean '\($0)'?" } ?? ""))
            }
            return try Self.expectation(entry.value, metric: entry.key, kind: kind)
        }
    }

    /// `"< 150ms"`, `"<= 0"`, `0` or `2s`; a bare value means `<=`.
    static func expectation(_ value: YAMLValue, metric: String, kind: MetricKind) throws -> Expectation {
        let text = try value.scalarText(expected: "a threshold like \"< 150ms\" or 0").trimmingWhitespace()
        // Longest operator first so "<=" is not read as "<".
        let comparison = Comparison.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
            .first { text.hasPrefix($0.rawValue) }
        let boundText = comparison.map { text.dropFirst($0.rawValue.count).trimmingWhitespace() } ?? text
        let threshold: Threshold
        switch kind {
        case .duration:
            switch DurationText.parseOrExplain(boundText) {
            case .success(let duration): threshold = .duration(duration)
            case .failure(let problem):
                throw value.error(.invalidValue, "\(metric) is a duration: expected a threshold like \"< 150ms\", "
                    + "found '\(text)' (\(problem))")
            }
        case .number:
            guard let number = Double(boundText.filter { $0 != "_" }), number.isFinite else {
                throw value.error(.invalidValue, "\(metric) is a number: expected a threshold like \"<= 0\" or 0, "
                    + "found '\(text)'")
            }
            threshold = .number(number)
        }
        return Expectation(metric: metric, comparison: comparison ?? .lessThanOrEqual, threshold: threshold)
    }
}
