import TandemRuntime

/// Capped exponential backoff with jitter for reconnecting to the broker: min, 2×min, 4×min, … up to max.
///
/// Each delay is drawn from [d/2, d] so that many nodes cut off together do not reconnect in lockstep;
/// the jitter comes from a seeded `SplitMix64`, never from the system generator. The server's Redis reader and
/// publisher wait by it, and the simulated broker makes each node wait by it after an outage.
public struct ReconnectBackoff: Sendable {
    public let delayMin: Duration
    public let delayMax: Duration
    public private(set) var attempt = 0
    private var random: SplitMix64

    public init(delayMin: Duration, delayMax: Duration, seed: UInt64) {
        precondition(delayMin > .zero && delayMax >= delayMin, "backoff needs 0 < delayMin <= delayMax")
        self.delayMin = delayMin
        self.delayMax = delayMax
        self.random = SplitMix64(seed: seed)
    }

    /// The delay before the next attempt; each call doubles the ceiling until `delayMax`.
    public mutating func nextDelay() -> Duration {
        let exponent = min(attempt, 30)
        attempt += 1
        let ceiling = min(delayMax, delayMin * (1 << exponent))
        return ceiling / 2 + (ceiling / 2) * random.nextDouble()
    }

    public mutating func reset() { attempt = 0 }
}
