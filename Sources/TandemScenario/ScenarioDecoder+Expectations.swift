import TandemReport

extension ScenarioDecoder {
    /// `expect:` entries: each value is a threshold like `"< 150ms"`, `"<= 0"`, `0` or `2s` (a bare value
    /// means `<=`), parsed by the report's `ThresholdSpec`, so scenarios and reports share one metric catalog.
    /// A latency metric may carry a scope in braces (`latency.propagation.p99{outside: faults}`), checked here
    /// against the scenario's faults, phases, nodes and groups.
    func decodeExpectations(_ value: YAMLValue, scenario: Scenario) throws -> [Expectation] {
        try value.anyMapping().entries.map { entry in
            let text = try entry.value.scalarText(expected: "a threshold like \"< 150ms\" or 0").trimmingWhitespace()
            let spec: ThresholdSpec
            do {
                spec = try ThresholdSpec(metric: entry.key, expression: text)
            } catch let error as ThresholdError {
                switch error.code {
                case .unknownMetric:
                    let known = MetricCatalog.knownPaths
                    throw entry.keyError(
                        .unknownReference,
                        "unknown metric '\(error.metric)'"
                            + (Suggestion.closest(to: error.metric, among: known).map { "; did you mean '\($0)'?" }
                                ?? "")
                    )
                case .badScope:
                    throw entry.keyError(.invalidValue, error.message)
                case .badExpression, .unitMismatch:
                    throw entry.value.error(.invalidValue, error.message)
                }
            }
            if let scope = spec.scope { try check(scope, of: entry, scenario: scenario) }
            return spec
        }
    }

    /// Rejects a scope that names what the scenario does not have, or a window that cannot hold a sample.
    private func check(_ scope: LatencyScope, of entry: YAMLMapping.Entry, scenario: Scenario) throws {
        func fail(_ code: ScenarioError.Code, _ message: String) -> ScenarioError { entry.keyError(code, message) }
        if let node = scope.node {
            guard let id = NodeID(name: node), id.number <= scenario.topology.nodeCount else {
                throw fail(
                    .unknownReference,
                    "unknown node '\(node)' in the scope: the topology has "
                        + Self.nodeRange(scenario.topology)
                )
            }
        }
        if let group = scope.group, scenario.group(named: group) == nil {
            throw fail(
                .unknownReference,
                "unknown group '\(group)' in the scope"
                    + YAMLValue.hint(group, among: scenario.population.map(\.name))
            )
        }
        let runEnd = scenario.totalDuration
        switch scope.time {
        case nil:
            break
        case .outsideFaults?, .during(.all)?:
            guard !scenario.faults.isEmpty else { throw fail(.invalidValue, "the scenario injects no faults") }
        case .during(.number(let number))?:
            _ = try fault(number, scenario: scenario, fail: fail)
        case .after(.all, _)?:
            guard scenario.faults.contains(where: { $0.windowEnd != .endOfRun }) else {
                throw fail(
                    .invalidValue,
                    scenario.faults.isEmpty
                        ? "the scenario injects no faults" : "no fault of the scenario ends before the run does"
                )
            }
        case .after(.number(let number), let length)?:
            let fault = try fault(number, scenario: scenario, fail: fail)
            switch fault.windowEnd {
            case .endOfRun:
                throw fail(
                    .invalidValue,
                    "fault \(number) (\(fault.kind.key)) lasts until the end of the run: "
                        + "nothing comes after it"
                )
            case .at(let end) where end + .nanoseconds(length) > runEnd:
                throw fail(
                    .invalidValue,
                    "the window after fault \(number) would end at "
                        + "\(DurationText.format(end + .nanoseconds(length))), after the run "
                        + "(\(DurationText.format(runEnd)) with settle)"
                )
            case .at, .whenReconnected:
                break
            }
        case .phase(let selection)?:
            let phases = scenario.phases.enumerated().filter { offset, phase in
                switch (selection, phase) {
                case (.steady, .steady), (.ramp, .ramp): true
                case (.number(let number), _): number == offset + 1
                default: false
                }
            }
            guard !phases.isEmpty else {
                let kinds = scenario.phases.enumerated().map { "\($0.offset + 1): \($0.element.name)" }
                throw fail(.invalidValue, "no such phase: the scenario's phases are " + kinds.joined(separator: ", "))
            }
            guard phases.contains(where: { $0.element.duration > .zero }) else {
                throw fail(.invalidValue, "that phase lasts no time, so no message can be sent in it")
            }
        }
    }

    private func fault(
        _ number: Int,
        scenario: Scenario,
        fail: (ScenarioError.Code, String) -> ScenarioError
    ) throws
        -> Fault
    {
        guard number <= scenario.faults.count else {
            throw fail(
                .invalidValue,
                "there is no fault \(number): the scenario injects "
                    + "\(scenario.faults.count) fault\(scenario.faults.count == 1 ? "" : "s"), "
                    + "numbered from 1 in file order"
            )
        }
        return scenario.faults[number - 1]
    }
}
