import Synchronization
import TandemCore
import TandemEngine
import TandemRuntime

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The production backplane: nodes notify each other through one Redis stream (`XADD` / `XREAD BLOCK`).
///
/// The twin of `InMemoryBackplane` (one process) and the simulator's `SimBroker`. Each stream entry has two
/// fields, `origin` (the node id) and `envelope` (`BackplaneEnvelope`'s versioned JSON). Publishing runs on
/// one actor pinned to its own thread and pipelines queued publishes (`RedisPublisher`); each subscribed node
/// gets a reader thread that resumes from its last id after any error (`RedisStreamReader`). No blocking
/// hiredis call runs on a Swift concurrency thread.
///
/// While Redis is unreachable `publish` throws `BackplaneError.unavailable` quickly rather than buffering
/// (the node counts it; the store is the truth and gap fill repairs), and `subscribe` returns after one
/// connect attempt, leaving the reader to keep trying, so a node can start during an outage.
///
/// - Warning: a process using it must ignore SIGPIPE (hiredis writes to sockets the server may have
///   closed); `init` does so through `ignoreSIGPIPE()`. Call `shutdown()` when done.
public final class RedisBackplane: Backplane {
    public let configuration: RedisBackplaneConfiguration
    private let counters = RedisBackplaneCounters()
    private let publisher: RedisPublisher
    private let readers = Mutex<[String: RedisStreamReader]>([:])
    private let subscriptionCount = Atomic<UInt64>(0)
    private let closed = Atomic<Bool>(false)

    public init(configuration: RedisBackplaneConfiguration) {
        Self.ignoreSIGPIPE()
        configuration.validate()
        self.configuration = configuration
        self.publisher = RedisPublisher(configuration: configuration, counters: counters)
    }

    /// Readers still running (no `shutdown`) are told to stop; their threads exit on their own.
    deinit {
        for reader in readers.withLock({ Array($0.values) }) { reader.requestStop() }
    }

    /// A backplane on `redis://host:port[/db]` with the default settings.
    public convenience init(url: String) throws(RedisURLError) {
        self.init(configuration: try RedisBackplaneConfiguration(url: url))
    }

    /// What it has done so far (a snapshot; the counters keep growing).
    public var metrics: RedisBackplaneMetrics { counters.snapshot }

    /// How long the oldest entry a subscribed node has not been handed yet has waited, in milliseconds (this
    /// process's wall clock against the entry's Redis timestamp), the largest over subscribed nodes. 0 when every
    /// reader has caught up, so it falls back to 0 when the stream goes quiet; see `RedisReaderBacklog`.
    public var backlogAgeMillis: Int64 {
        let nowMillis = configuration.clock.wallMillis()
        return readers.withLock { $0.values.map { $0.backlogAgeMillis(nowMillis: nowMillis) }.max() } ?? 0
    }

    /// Ignores SIGPIPE for the whole process, once: without it a write to a connection Redis closed kills
    /// the process (exit 141) instead of failing the call.
    public static func ignoreSIGPIPE() { _ = sigpipeIgnored }

    private static let sigpipeIgnored: Bool = {
        _ = signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Appends the envelope to the stream; throws `BackplaneError` (`unavailable` while Redis is down,
    /// `overloaded`, `rejected`, `encoding`, `closed`).
    public func publish(_ envelope: BackplaneEnvelope) async throws {
        do {
            guard !closed.load(ordering: .acquiring) else {
                throw BackplaneError(code: .closed, message: "the Redis backplane was shut down")
            }
            let bytes: [UInt8]
            do throws(BackplaneCodingError) {
                bytes = try envelope.jsonBytes()
            } catch {
                throw BackplaneError(code: .encoding, message: "envelope has no JSON form", underlying: error)
            }
            try await publisher.publish(origin: envelope.origin, envelope: bytes)
            counters.update { $0.publishedCount += 1 }
        } catch {
            counters.update { $0.publishFailedCount += 1 }
            throw error
        }
    }

    /// Starts a reader for `node` (replacing an earlier one); envelopes published after this returns reach
    /// `deliver` in stream order, except the node's own.
    public func subscribe(node: String, deliver: @escaping @Sendable (BackplaneEnvelope) async -> Void) async throws {
        guard !closed.load(ordering: .acquiring) else {
            throw BackplaneError(code: .closed, message: "the Redis backplane was shut down")
        }
        await unsubscribe(node: node)
        let number = subscriptionCount.add(1, ordering: .relaxed).newValue
        var generator = SplitMix64.derive(seed: configuration.seed, stream: number)
        let reader = RedisStreamReader(
            node: node,
            configuration: configuration,
            counters: counters,
            seed: generator.next()
        )
        readers.withLock { $0[node] = reader }
        await reader.start(deliver: deliver)
    }

    /// Stops `node`'s reader and waits until it has handed over what it read.
    public func unsubscribe(node: String) async {
        let reader = readers.withLock { $0.removeValue(forKey: node) }
        await reader?.stop()
    }

    /// Stops every reader and drops the publisher's connection; later calls throw `closed`.
    public func shutdown() async {
        closed.store(true, ordering: .releasing)
        let all = readers.withLock { readers in
            defer { readers.removeAll() }
            return readers.keys.sorted().compactMap { readers[$0] }
        }
        for reader in all { await reader.stop() }
        await publisher.close()
    }
}
