import TandemRedis

/// The Redis backplane's stream and timings as the configuration names them (`backplane.stream_key`, …).
///
/// Unlike `RedisBackplaneConfiguration`, it holds only what an operator may tune, and it is checked with
/// located errors (a bad value exits 2) instead of preconditions. Its defaults are
/// `RedisBackplaneConfiguration`'s, so there is one place for each. Used only when `backplane.url` is
/// `redis://…`.
public struct RedisBackplaneSettings: Sendable, Hashable {
    /// The longest stream key accepted, in bytes.
    public static let streamKeyBytesMax = 1_024
    public static let streamLengthRange = 1...1_000_000_000

    /// The Redis stream every node appends to and reads (`XADD` / `XREAD`); nodes of one deployment share it.
    public var streamKey: String
    /// Approximate length cap of the stream (`XADD MAXLEN ~`).
    public var streamLengthMax: Int
    /// How long one `XREAD` waits for entries (`BLOCK`).
    public var readBlock: Duration
    /// The first reconnect delay after Redis is lost; each failed attempt doubles it up to `reconnectDelayMax`.
    public var reconnectDelayMin: Duration
    public var reconnectDelayMax: Duration

    /// `RedisBackplaneConfiguration`'s defaults.
    public init() {
        let defaults = RedisBackplaneConfiguration(endpoint: RedisEndpoint(host: "localhost"))
        streamKey = defaults.streamKey
        streamLengthMax = defaults.streamLengthMax
        readBlock = defaults.readBlock
        reconnectDelayMin = defaults.reconnectDelayMin
        reconnectDelayMax = defaults.reconnectDelayMax
    }

    /// Writes these settings into a backplane's configuration.
    public func apply(to configuration: inout RedisBackplaneConfiguration) {
        configuration.streamKey = streamKey
        configuration.streamLengthMax = streamLengthMax
        configuration.readBlock = readBlock
        configuration.reconnectDelayMin = reconnectDelayMin
        configuration.reconnectDelayMax = reconnectDelayMax
    }

    /// What is wrong with `key` as a stream key, or nil.
    static func streamKeyProblem(_ key: String) -> String? {
        if key.allSatisfy(\.isWhitespace) { return "the stream key must not be empty" }
        if key.utf8.count > streamKeyBytesMax {
            return "the stream key has \(key.utf8.count) bytes; at most \(streamKeyBytesMax)"
        }
        return nil
    }

    /// What is wrong with the pair of reconnect delays, or nil.
    var reconnectDelayProblem: String? {
        guard reconnectDelayMax < reconnectDelayMin else { return nil }
        return "reconnect_delay_max (\(ServerDurationText.format(reconnectDelayMax))) must be at least "
            + "reconnect_delay_min (\(ServerDurationText.format(reconnectDelayMin)))"
    }
}
