import DequeModule
import TandemEngine
import TandemRuntime

/// The publishing half of `RedisBackplane`: an actor pinned to a thread of its own that `XADD`s envelopes.
///
/// Publishes that queue up while a pipeline is on the wire go out together as the next pipeline (up to
/// `pipelineCountMax`), so concurrent publishers cost one round trip per batch, not per envelope.
///
/// During an outage it fails fast instead of buffering: while a reconnect is backing off, `publish` throws
/// `BackplaneError.unavailable` at once. The backplane only notifies and the store is the truth; a buffered
/// notification would arrive late and stale, and readers catch up through gap fill anyway. A batch cut by a
/// connection the server closed (EOF, reset, broken pipe: it read nothing more) is retried once on a fresh
/// connection, so an idle connection dropped by a restart costs no publish. That makes a publish
/// at-least-once in the rare case the server ran a command and then died; nodes apply a version once.
actor RedisPublisher {
    private struct Pending {
        let arguments: [[UInt8]]
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let executor = DedicatedThreadExecutor(name: "tandem-redis-publisher")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let configuration: RedisBackplaneConfiguration
    private let counters: RedisBackplaneCounters
    private var connection: RedisConnection?
    private var everConnected = false
    private var backoff: ReconnectBackoff
    /// No connect is attempted before this monotonic time (set by a failed attempt).
    private var nextAttemptNanos = Int64.min
    private var pending: Deque<Pending> = []
    /// A leading publish is yielding so that queued publishes join its pipeline.
    private var gathering = false
    private var closed = false

    init(configuration: RedisBackplaneConfiguration, counters: RedisBackplaneCounters) {
        self.configuration = configuration
        self.counters = counters
        self.backoff = ReconnectBackoff(
            delayMin: configuration.reconnectDelayMin,
            delayMax: configuration.reconnectDelayMax,
            seed: configuration.seed
        )
    }

    deinit { executor.shutdown() }

    /// Appends one entry (`origin`, `envelope`) to the stream; returns once Redis acknowledged it.
    func publish(origin: String, envelope: [UInt8]) async throws {
        guard !closed else { throw Self.closedError }
        guard pending.count < configuration.publishQueueCountMax else {
            throw BackplaneError(
                code: .overloaded,
                message: "\(pending.count) publishes already queued (publishQueueCountMax)"
            )
        }
        let arguments: [[UInt8]] = [
            Array("XADD".utf8), Array(configuration.streamKey.utf8), Array("MAXLEN".utf8), Array("~".utf8),
            Array("\(configuration.streamLengthMax)".utf8), Array("*".utf8),
            Array("origin".utf8), Array(origin.utf8), Array("envelope".utf8), envelope,
        ]
        guard gathering else { return try await lead(arguments) }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(Pending(arguments: arguments, continuation: continuation))
        }
    }

    /// Drops the connection and fails whatever is queued; later publishes throw `closed`.
    func close() {
        closed = true
        connection = nil
        while let item = pending.popFirst() { item.continuation.resume(throwing: Self.closedError) }
    }

    private static var closedError: BackplaneError {
        BackplaneError(code: .closed, message: "the Redis backplane was shut down")
    }

    /// The first publish while no pipeline is being gathered leads one. If other jobs wait on this thread,
    /// it yields once so that publishes among them join; then it writes them all (in arrival order, its own
    /// first) and hands each its outcome. Yielding re-enqueues on this actor's own thread, which is cheaper
    /// than starting a task.
    private func lead(_ arguments: [[UInt8]]) async throws {
        if executor.hasQueuedJobs {
            gathering = true
            await Task.yield()
            gathering = false
        }
        var own: Result<Void, any Error>?
        repeat {
            let count = min(pending.count, configuration.pipelineCountMax - (own == nil ? 1 : 0))
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            var commands = batch.map(\.arguments)
            if own == nil { commands.insert(arguments, at: 0) }
            var outcomes = closed ? Array(repeating: .failure(Self.closedError), count: commands.count) : send(commands)
            if own == nil { own = outcomes.removeFirst() }
            for (item, outcome) in zip(batch, outcomes) { item.continuation.resume(with: outcome) }
        } while !pending.isEmpty
        try own!.get()
    }

    /// One outcome per command, in order; blocks this actor's thread (and only it) on the round trip.
    private func send(_ commands: [[[UInt8]]]) -> [Result<Void, any Error>] {
        var outcomes: [Result<Void, any Error>] = []
        var retried = false
        while outcomes.count < commands.count {
            let live: RedisConnection
            do {
                live = try connected()
            } catch {
                return outcomes + Array(repeating: .failure(error), count: commands.count - outcomes.count)
            }
            do throws(RedisError) {
                for command in commands[outcomes.count...] { try live.append(command) }
                counters.update { $0.publishBatchCount += 1 }
                while outcomes.count < commands.count { outcomes.append(Self.outcome(of: try live.reply())) }
            } catch {
                connection = nil
                if error.connectionClosed && !retried {
                    retried = true
                    configuration.log("publisher: connection closed by the server (\(error)); retrying once")
                    continue
                }
                configuration.log("publisher: \(error); \(commands.count - outcomes.count) publishes failed")
                let failure = BackplaneError(code: .unavailable, message: "Redis connection failed", underlying: error)
                return outcomes + Array(repeating: .failure(failure), count: commands.count - outcomes.count)
            }
        }
        return outcomes
    }

    private static func outcome(of reply: RedisReply) -> Result<Void, any Error> {
        switch reply {
        case .string: return .success(())
        case .error(let message): return .failure(BackplaneError(code: .rejected, message: "XADD: \(message)"))
        default: return .failure(BackplaneError(code: .rejected, message: "XADD: unexpected reply \(reply)"))
        }
    }

    /// The live connection, or a new one; throws `unavailable` at once while a reconnect is backing off.
    private func connected() throws(BackplaneError) -> RedisConnection {
        if let connection { return connection }
        let now = configuration.clock.nowNanos()
        guard now >= nextAttemptNanos else {
            let waitMillis = (nextAttemptNanos - now) / 1_000_000
            throw BackplaneError(
                code: .unavailable,
                message: "Redis at \(configuration.endpoint) is unreachable; next attempt in \(waitMillis) ms"
            )
        }
        do throws(RedisError) {
            let fresh = try RedisConnection(
                endpoint: configuration.endpoint,
                connectTimeout: configuration.connectTimeout,
                ioTimeout: configuration.commandTimeout,
                name: "tandem-publisher"
            )
            connection = fresh
            nextAttemptNanos = .min
            backoff.reset()
            if everConnected {
                counters.update { $0.reconnectCount += 1 }
                configuration.log("publisher: reconnected to \(configuration.endpoint)")
            }
            everConnected = true
            return fresh
        } catch {
            let delay = backoff.nextDelay()
            nextAttemptNanos = now + delay.nanosecondsClamped
            if backoff.attempt == 1 {
                configuration.log("publisher: cannot connect to \(configuration.endpoint): \(error)")
            }
            throw BackplaneError(
                code: .unavailable,
                message: "cannot connect to \(configuration.endpoint)",
                underlying: error
            )
        }
    }
}
