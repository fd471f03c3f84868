/// How a ramp places its arrivals (or departures) in its window.
public enum RampSpacing: String, Sendable, Equatable, CaseIterable {
    /// One every `over / n`, from the ramp's start (the default).
    case even
    /// At times drawn uniformly over the window from the run's seed, in the users' order: the arrivals of
    /// independent users (Gatling's `randomized` injection), and the start offsets `tandem-load` gives its clients.
    /// Users who then act on a fixed period keep these phases, so their actions cluster and queue as real ones do.
    case random
}

/// One step of a scenario's load curve: a linear ramp of connected users, or a steady stretch.
///
/// Phases run back to back from time zero; together they must fit in the scenario's `duration`.
public enum Phase: Sendable, Equatable {
    /// Change the number of connected users linearly to `to` over `over` (`{ramp: {to: 150, over: 20s}}`).
    /// Zero `over` means a step. Users leave in the reverse order they joined. `spacing` places them in the window.
    case ramp(to: Int, over: Duration, spacing: RampSpacing = .even)
    /// Keep the number of connected users for this long (`{steady: 80s}`).
    case steady(Duration)

    /// The key naming this kind of phase in a file: `ramp` or `steady`.
    public var name: String {
        switch self {
        case .ramp: "ramp"
        case .steady: "steady"
        }
    }

    /// How long the phase lasts.
    public var duration: Duration {
        switch self {
        case .ramp(_, let over, _): over
        case .steady(let duration): duration
        }
    }
}

extension Scenario {
    /// The number of connected users the phases ask for at time `time` (ignoring faults).
    ///
    /// Starts from zero; a ramp interpolates linearly and rounds down (with `spacing: random`, the expected count);
    /// after the last phase the count stays where it ended.
    public func targetUserCount(at time: Duration) -> Int {
        var current = 0
        var start = Duration.zero
        for phase in phases {
            let end = start + phase.duration
            switch phase {
            case .steady:
                break
            case .ramp(let target, let over, _):
                if time >= end || over == .zero {
                    if time >= start { current = target }
                } else if time > start {
                    let fraction = (time - start) / over
                    let delta = Double(target - current) * fraction
                    return current + Int(delta.rounded(.down))
                }
            }
            if time < end { return current }
            start = end
        }
        return current
    }
}
