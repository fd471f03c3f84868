/// A small, fast, seeded pseudo-random generator (SplitMix64) that every Tandem decision draws from.
///
/// It is the only source of chance in engine code, in production as in the simulator: the executables
/// seed it once at process start, the simulator seeds it from the run's seed. It depends on nothing
/// in the simulator. Use `bounded(_:)` and `nextDouble()` rather than the standard library's
/// `random(in:using:)`, whose algorithm may change between Swift versions and would change the
/// stream a seed produces.
///
/// - Warning: not cryptographically secure. Never use it for tokens, keys or passwords.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// Golden-ratio increment of the SplitMix64 state.
    public static let stateIncrement: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Odd multiplier that spreads stream numbers in `derive(seed:stream:)`.
    static let streamMultiplier: UInt64 = 0xD1B5_4A32_D192_ED03

    /// The whole generator state; two generators with equal state produce the same stream.
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= Self.stateIncrement
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A uniform integer in `0..<upperBound` (Lemire multiply-shift without rejection; bias < n / 2^64).
    @inlinable
    public mutating func bounded(_ upperBound: Int) -> Int {
        precondition(upperBound > 0, "SplitMix64.bounded: upperBound must be positive, got \(upperBound)")
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(upperBound)).high)
    }

    /// A uniform `Double` in `[0, 1)` built from the top 53 bits of one draw.
    @inlinable
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// An independent generator for one stream (an actor, a link, a client) of a parent seed.
    ///
    /// Streams of one seed do not overlap in practice, and the same `(seed, stream)` always gives
    /// the same generator, so adding an actor does not shift the draws of the others.
    public static func derive(seed: UInt64, stream: UInt64) -> SplitMix64 {
        var generator = SplitMix64(seed: seed ^ (stream &* streamMultiplier))
        _ = generator.next()
        return generator
    }
}
