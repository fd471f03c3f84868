import TandemRuntime

extension Duration {
    /// Whole milliseconds, rounded up so a positive duration is never 0 ms (which `BLOCK` reads as forever).
    var millisecondsRoundedUp: Int64 { (nanosecondsClamped + 999_999) / 1_000_000 }
}
