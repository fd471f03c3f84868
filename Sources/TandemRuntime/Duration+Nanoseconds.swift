extension Swift.Duration {
    /// The duration in whole nanoseconds, clamped to the range of `Int64` (about ±292 years).
    @inlinable
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (secondNanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = secondNanos.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflowAdding { return seconds < 0 ? .min : .max }
        return total
    }
}

extension Int64 {
    /// `self + nanoseconds`, saturating at the ends of `Int64` so far-future deadlines do not wrap.
    @inlinable
    public func addingSaturating(_ nanoseconds: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(nanoseconds)
        if overflow { return nanoseconds < 0 ? .min : .max }
        return sum
    }
}
