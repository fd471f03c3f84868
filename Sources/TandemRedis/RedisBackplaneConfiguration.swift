import TandemCore
import TandemEngine
import TandemRuntime

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The settings of a `RedisBackplane`: where Redis is, which stream, and every limit and timeout.
///
/// Defaults suit one deployment sharing one stream. `streamLengthMax` bounds the stream (`XADD MAXLEN ~`):
/// a node cut off for longer than it takes to publish that many envelopes loses the oldest ones it had not
/// read, reports a gap, and relies on the store's gap fill.
public struct RedisBackplaneConfiguration: Sendable {
    public var endpoint: RedisEndpoint
    public var streamKey = "tandem:backplane"
    /// Approximate length cap of the stream (`MAXLEN ~`); Redis trims in whole nodes, so a bit more stays.
    public var streamLengthMax = BackplaneDefaults.streamLengthMax
    /// Entries per `XREAD` (`COUNT`).
    public var readCountMax = 100
    /// How long one `XREAD` blocks waiting for entries (`BLOCK`).
    public var readBlock: Duration = .seconds(2)
    /// Bounds a connect attempt (hiredis bounds only the connect with it).
    public var connectTimeout: Duration = .milliseconds(500)
    /// Socket read/write timeout of a command; a reader's is `readBlock` plus this.
    public var commandTimeout: Duration = .seconds(2)
    public var reconnectDelayMin = BackplaneDefaults.reconnectDelayMin
    public var reconnectDelayMax = BackplaneDefaults.reconnectDelayMax
    /// The most publishes written as one pipeline.
    public var pipelineCountMax = 1_000
    /// The most publishes waiting for the connection; beyond it `publish` throws `overloaded` at once.
    public var publishQueueCountMax = 10_000
    /// The most entries a reader holds that its node has not yet taken; the reader stops reading until
    /// the node catches up (backpressure, never a drop).
    public var deliveryQueueCountMax = 10_000
    /// The largest envelope a reader parses, in bytes.
    public var envelopeBytesMax = 4 << 20
    /// Seeds the reconnect jitter.
    public var seed: UInt64 = 0x7265_6469_73
    /// Wall time for the lag metric and monotonic time for backoff deadlines.
    public var clock: any TandemClock = SystemClock()
    /// Receives one line per notable event (reconnects, malformed entries, gaps); defaults to stderr.
    public var log: @Sendable (String) -> Void = RedisBackplaneConfiguration.logToStandardError

    public init(endpoint: RedisEndpoint) {
        self.endpoint = endpoint
    }

    /// Parses `redis://host:port[/db]`.
    public init(url: String) throws(RedisURLError) {
        self.init(endpoint: try RedisEndpoint(url: url))
    }

    /// Checks the limits; a bad setting is the caller's bug.
    func validate() {
        precondition(!streamKey.isEmpty, "streamKey is empty")
        precondition(streamLengthMax >= 1, "streamLengthMax must be at least 1")
        precondition(readCountMax >= 1 && pipelineCountMax >= 1, "readCountMax and pipelineCountMax must be at least 1")
        precondition(publishQueueCountMax >= 1 && deliveryQueueCountMax >= 1, "queue limits must be at least 1")
        precondition(readBlock >= .milliseconds(1), "readBlock must be at least 1 ms")
        precondition(commandTimeout > .zero && connectTimeout > .zero, "timeouts must be positive")
        precondition(
            reconnectDelayMin > .zero && reconnectDelayMax >= reconnectDelayMin,
            "reconnect delays need 0 < reconnectDelayMin <= reconnectDelayMax"
        )
    }

    @Sendable public static func logToStandardError(_ line: String) {
        let bytes = Array("[tandem-redis] \(line)\n".utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
