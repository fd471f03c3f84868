import Foundation
import TandemCore
import TandemEngine
import TandemRuntime

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One subscribed node's reader: a thread of its own looping on `XREAD BLOCK` from the last id it handed
/// on, and a task that drains what it read into the node's `deliver`.
///
/// It starts after the stream's last id at subscribe time and never reads from `$`, so it cannot miss an
/// entry added between two reads. After any error it reconnects (capped exponential backoff) and resumes
/// from its last id: a node cut off from Redis misses nothing that is still in the stream, and when
/// entries it had not read were trimmed, it counts a gap and logs it (the node's gap fill covers them).
/// Entries of its own node are skipped; malformed ones are logged, counted and skipped. It stops reading
/// while `deliveryQueueCountMax` entries wait for the node (backpressure, never a drop).
final class RedisStreamReader: @unchecked Sendable {
    // @unchecked Sendable: the `var`s below are read and written only while `condition` is locked; the
    // reader thread's own state lives in `run`'s locals; the `let`s are Sendable.
    private struct Item: Sendable {
        let id: RedisStreamID
        let envelope: BackplaneEnvelope
    }

    let node: String
    private let configuration: RedisBackplaneConfiguration
    private let counters: RedisBackplaneCounters
    private let seed: UInt64
    /// Wall time of the subscription: where reading begins if Redis could not be reached then.
    private let subscribedAtMillis: Int64
    private let condition = NSCondition()
    private var stopping = false
    /// The socket of the live connection, published so `stop` can `shutdown(2)` it to wake a blocked read.
    private var fileDescriptor: Int32?
    /// Entries yielded to the drain task and not yet delivered, and whether Redis may hold more: the lag gauge.
    private var backlog = RedisReaderBacklog()
    private var started = false
    private var startedWaiter: CheckedContinuation<Void, Never>?
    private var exited = false
    private var exitedWaiter: CheckedContinuation<Void, Never>?
    private var drain: Task<Void, Never>?

    init(node: String, configuration: RedisBackplaneConfiguration, counters: RedisBackplaneCounters, seed: UInt64) {
        self.node = node
        self.configuration = configuration
        self.counters = counters
        self.seed = seed
        self.subscribedAtMillis = configuration.clock.wallMillis()
    }

    /// Starts the thread and the drain task; returns once the first connection attempt is over (so that,
    /// with Redis up, everything published after this returns is delivered).
    func start(deliver: @escaping @Sendable (BackplaneEnvelope) async -> Void) async {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .unbounded)
        let clock = configuration.clock
        let task = TandemRuntime.spawn { [self] in
            for await item in stream {
                counters.recordLag(clock.wallMillis() - item.id.unixMillis)
                await deliver(item.envelope)
                counters.update { $0.deliveredCount += 1 }
                locked { backlog.delivered() }
                condition.broadcast()
            }
        }
        locked { drain = task }
        let thread = Thread { [self] in
            run(continuation)
            let waiter = locked { () -> CheckedContinuation<Void, Never>? in
                exited = true
                return exitedWaiter
            }
            waiter?.resume()
        }
        thread.name = "tandem-redis-reader"
        thread.start()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            if locked({ () -> Bool in
                if !started { startedWaiter = waiter }
                return started
            }) {
                waiter.resume()
            }
        }
    }

    /// Tells the thread to stop and wakes it from a blocked read, a backoff pause or a full queue.
    func requestStop() {
        locked {
            stopping = true
            if let fileDescriptor { _ = shutdown(fileDescriptor, Int32(SHUT_RDWR)) }
        }
        condition.broadcast()
    }

    /// Stops the thread and waits until it exited and the node took what it had read.
    func stop() async {
        requestStop()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            if locked({ () -> Bool in
                if !exited { exitedWaiter = waiter }
                return exited
            }) {
                waiter.resume()
            }
        }
        let task = locked { drain }
        await task?.value
    }

    /// How long the oldest entry this reader's node has not been handed has waited (see `RedisReaderBacklog`).
    func backlogAgeMillis(nowMillis: Int64) -> Int64 {
        locked { backlog.ageMillis(nowMillis: nowMillis) }
    }

    // MARK: The reader thread

    private func run(_ output: AsyncStream<Item>.Continuation) {
        var connection: RedisConnection?
        var lastID: RedisStreamID?
        /// How many entries the stream had received up to and including `lastID` (nil: unknown).
        var offset: Int64?
        // Whether entries after `lastID` may have been trimmed unread: after a reconnect, a full batch, or a
        // wait on the node. The next XREAD then goes in one pipeline with XINFO STREAM, which Redis runs
        // back to back, so "was anything after lastID deleted" is answered exactly.
        var atRisk = false
        var connectedBefore = false
        var startFailed = false
        var backoff = ReconnectBackoff(
            delayMin: configuration.reconnectDelayMin,
            delayMax: configuration.reconnectDelayMax,
            seed: seed
        )
        while !isStopping {
            do throws(RedisError) {
                if connection == nil {
                    let fresh = try connect()
                    guard publish(fresh.fileDescriptor) else { break }
                    connection = fresh
                    if lastID == nil && startFailed {
                        // Redis was unreachable at subscribe: read what was added since then (by Redis's clock,
                        // so a skew may replay or skip a little; gap fill covers a skip).
                        lastID = RedisStreamID(justBeforeMilliseconds: subscribedAtMillis)
                        atRisk = true
                    } else if lastID == nil {
                        let info = try RedisStreamInfo.read(fresh, key: configuration.streamKey)
                        lastID = info?.lastGeneratedID ?? .zero
                        offset = info == nil ? 0 : info!.entriesAdded
                    }
                    if connectedBefore {
                        atRisk = true
                        counters.update { $0.reconnectCount += 1 }
                        configuration.log("reader \(node): reconnected; resuming after \(lastID!)")
                    }
                    connectedBefore = true
                    markStarted()
                }
                let previous = lastID!
                let (entries, info) = try read(connection!, after: previous, checking: atRisk)
                let (count, lastMillis) = (entries.count, entries.last?.id.unixMillis)
                locked { backlog.read(count: count, countMax: configuration.readCountMax, lastMillis: lastMillis) }
                if atRisk { reportLoss(info, after: previous, offset: &offset) }
                if offset == nil, let info, info.lastGeneratedID == previous { offset = info.entriesAdded }
                backoff.reset()
                var waited = false
                for entry in entries {
                    lastID = entry.id
                    offset = offset.map { $0 + 1 }
                    guard hand(entry, to: output, waited: &waited) else { break }
                }
                atRisk = entries.count >= configuration.readCountMax || waited || offset == nil
            } catch {
                if lastID == nil { startFailed = true }
                if !isStopping { configuration.log("reader \(node): \(error); reconnecting") }
                locked { fileDescriptor = nil }
                connection = nil
                markStarted()
                pause(backoff.nextDelay())
            }
        }
        locked { fileDescriptor = nil }
        connection = nil
        output.finish()
        markStarted()
    }

    private func connect() throws(RedisError) -> RedisConnection {
        try RedisConnection(
            endpoint: configuration.endpoint,
            connectTimeout: configuration.connectTimeout,
            ioTimeout: configuration.readBlock + configuration.commandTimeout,
            name: "tandem-reader"
        )
    }

    /// One `XREAD BLOCK` after `id`, preceded in the same pipeline by `XINFO STREAM` when `checking`
    /// (its answer is nil when the stream does not exist).
    private func read(
        _ connection: RedisConnection,
        after id: RedisStreamID,
        checking: Bool
    ) throws(RedisError) -> ([RedisStreamEntry], RedisStreamInfo?) {
        let xread = [
            "XREAD", "COUNT", "\(configuration.readCountMax)", "BLOCK",
            "\(configuration.readBlock.millisecondsRoundedUp)", "STREAMS", configuration.streamKey,
            id.description,
        ].map { Array($0.utf8) }
        guard checking else { return (try RedisStreamEntry.entries(fromXREAD: try connection.command(xread)), nil) }
        try connection.append(RedisStreamInfo.command(key: configuration.streamKey))
        try connection.append(xread)
        let info = try RedisStreamInfo(reply: try connection.reply())
        return (try RedisStreamEntry.entries(fromXREAD: try connection.reply()), info)
    }

    /// Decodes one entry and queues it for the node, waiting while the node is `deliveryQueueCountMax`
    /// behind (and setting `waited`); false when the reader is stopping.
    private func hand(_ entry: RedisStreamEntry, to output: AsyncStream<Item>.Continuation, waited: inout Bool) -> Bool
    {
        let envelope: BackplaneEnvelope
        switch entry.decode(skippingOrigin: node, bytesMax: configuration.envelopeBytesMax) {
        case .own:
            counters.update { $0.ownSkippedCount += 1 }
            return true
        case .malformed(let reason):
            counters.update { $0.malformedCount += 1 }
            configuration.log(
                "reader \(node): skipped malformed entry \(entry.id) of \(configuration.streamKey): \(reason)"
            )
            return true
        case .envelope(let decoded):
            envelope = decoded
        }
        condition.lock()
        while backlog.queuedCount >= configuration.deliveryQueueCountMax && !stopping {
            waited = true
            condition.wait()
        }
        let go = !stopping
        if go { backlog.queued(millis: entry.id.unixMillis) }
        condition.unlock()
        if go { output.yield(Item(id: entry.id, envelope: envelope)) }
        return go
    }

    /// Counts and logs entries lost after `id`, and moves `offset` to where the stream now starts.
    private func reportLoss(_ info: RedisStreamInfo?, after id: RedisStreamID, offset: inout Int64?) {
        let reason: String?
        if let info {
            reason = info.loss(after: id, offset: offset)
            if reason != nil { offset = info.offsetBeforeFirstEntry }
        } else {
            reason =
                id > .zero ? "the stream is gone (Redis restarted without persistence, or the key was deleted)" : nil
            offset = 0
        }
        guard let reason else { return }
        counters.update { $0.gapCount += 1 }
        configuration.log(
            "reader \(node): gap in \(configuration.streamKey): \(reason); gap fill from the store covers it"
        )
    }

    // MARK: Shared state

    private var isStopping: Bool { locked { stopping } }

    private func publish(_ descriptor: Int32) -> Bool {
        locked {
            guard !stopping else { return false }
            fileDescriptor = descriptor
            return true
        }
    }

    private func markStarted() {
        let waiter = locked { () -> CheckedContinuation<Void, Never>? in
            defer { startedWaiter = nil }
            started = true
            return startedWaiter
        }
        waiter?.resume()
    }

    /// Sleeps on the reader thread for `delay`, or less if the reader is stopped meanwhile.
    private func pause(_ delay: Duration) {
        // determinism: ok (a real thread's timed wait, production only)
        let deadline = Date(timeIntervalSinceNow: Double(delay.nanosecondsClamped) / 1e9)
        condition.lock()
        while !stopping && condition.wait(until: deadline) {}
        condition.unlock()
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
