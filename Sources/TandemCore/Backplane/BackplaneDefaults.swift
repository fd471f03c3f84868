/// Backplane defaults the server and the simulator share, so that a scenario that says nothing models the server as
/// it ships.
public enum BackplaneDefaults {
    /// How many envelopes the Redis stream keeps (`XADD MAXLEN ~`): a node cut off for longer than it takes the
    /// others to publish this many misses the oldest ones it had not read, counts a gap, and relies on gap fill.
    public static let streamLengthMax = 100_000
    /// A node that lost the broker tries again after min, 2×min, … up to max (`ReconnectBackoff`): after an outage
    /// it is back at its first attempt past the outage's end, up to `reconnectDelayMax` later.
    public static let reconnectDelayMin = Duration.milliseconds(50)
    public static let reconnectDelayMax = Duration.seconds(2)
}
