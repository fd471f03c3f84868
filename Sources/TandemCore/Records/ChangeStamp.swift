import Synchronization

/// Stamps for state that changes: each call hands out a stamp never handed out before, larger than every one handed
/// out before it. So a holder that takes a fresh stamp whenever it changes has not changed while its stamp stays the
/// same, and the largest stamp among several holders moves whenever any of them changes (or one is replaced). The
/// simulator's convergence checks use it to compare again only what changed since the previous sample (`Checkers`).
public enum ChangeStamp {
    public static func next() -> UInt64 { counter.wrappingAdd(1, ordering: .relaxed).newValue }

    /// The last stamp handed out: while it stays the same, no holder has changed (in this process).
    public static var latest: UInt64 { counter.load(ordering: .relaxed) }
}

private let counter = Atomic<UInt64>(0)
