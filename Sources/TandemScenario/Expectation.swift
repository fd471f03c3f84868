import TandemReport

/// A threshold from a scenario's `expect:` block: the report's `ThresholdSpec`, so a scenario file and a
/// report agree on every metric path and unit.
public typealias Expectation = ThresholdSpec
