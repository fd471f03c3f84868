/// Backplane defaults the server and the simulator share, so that a scenario that says nothing models the server as
/// it ships.
public enum BackplaneDefaults {
    /// How many envelopes the Redis stream keeps (`XADD MAXLEN ~`): a node cut off for longer than it takes the
    /// others to publish this many misses the oldest ones it had not read, counts a gap, and relies on gap fill.
    public static let streamLengthMax = 100_000
}
