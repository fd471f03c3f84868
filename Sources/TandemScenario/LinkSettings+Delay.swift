import TandemRuntime

extension LinkSettings {
    /// What a lost TCP segment costs: it is sent again after a retransmission timeout.
    public static let retransmitDelay: Duration = .milliseconds(200)
    /// Retransmissions counted at most for one message.
    public static let retransmitsMax = 8

    /// One message's one-way delay on this link: a latency sample, plus `spike`, plus one retransmission
    /// timeout for each time the message is lost (loss on a TCP link is delay, never a missing message).
    ///
    /// The simulator's network and the live fault proxy both draw here, in this order, so one seed gives the
    /// same sequence of delays in both.
    public func oneWayDelay(
        spike: Duration? = nil,
        extraLoss: Double? = nil,
        using random: inout some RandomNumberGenerator
    ) -> Duration {
        .nanoseconds(oneWayDelayNanos(spike: spike?.nanosecondsClamped, extraLoss: extraLoss, using: &random))
    }

    /// ``oneWayDelay(spike:extraLoss:using:)`` in nanoseconds (sums saturate at the ends of `Int64`): the same
    /// draws, without a `Duration`'s 128-bit arithmetic, for the simulator, which draws one per message.
    public func oneWayDelayNanos(
        spike: Int64?,
        extraLoss: Double?,
        using random: inout some RandomNumberGenerator
    ) -> Int64 {
        var delay = latency.sampleNanos(using: &random)
        if let spike { delay = delay.addingSaturating(spike) }
        let loss = min(1, self.loss + (extraLoss ?? 0))
        if loss > 0 {
            var retries = 0
            while retries < Self.retransmitsMax, random.nextUnitHalfOpen() < loss {
                delay = delay.addingSaturating(Self.retransmitDelayNanos)
                retries += 1
            }
        }
        return delay
    }

    private static let retransmitDelayNanos = retransmitDelay.nanosecondsClamped
}
