import TandemRuntime

/// A small world ported from the executor spike: nodes, clients, per-client links, a Redis-like
/// broker, a monitor on an AsyncStream and queue workers blocked on continuations. It uses actors on
/// the sim executor and default actors, async let, task groups, cancellation and SimClock sleeps.
enum WorldKind {
    static let deliver: UInt8 = 1
    static let reply: UInt8 = 2
    static let replicate: UInt8 = 3
    static let heartbeat: UInt8 = 4
    static let work: UInt8 = 5
    static let drop: UInt8 = 6
    static let timeout: UInt8 = 7
    static let brokerGet: UInt8 = 8
}

enum WorldOperation: Sendable {
    case put(key: Int, value: UInt64)
    case get(key: Int)
    case enqueue(UInt64)
}

struct WorldSize: Sendable {
    var nodeCount = 20
    var clientCount = 40
    var workerCount = 5
    var operationsPerClient = 15
}

struct WorldResult: Sendable, Equatable {
    var traceHash: UInt64
    var traceEventCount: Int
    var countsByKind: [Int]
    var replySum: UInt64
    var isClean: Bool
    var report: String
}

actor WorldBroker {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let sim: SimExecutor
    var values: [Int: UInt64] = [:]
    var subscribers: [AsyncStream<UInt64>.Continuation] = []
    var queue: [UInt64] = []
    var waiters: [CheckedContinuation<UInt64, Never>] = []

    init(sim: SimExecutor) {
        self.sim = sim
        unownedExecutor = sim.asUnownedSerialExecutor()
    }

    func get(_ key: Int, from: Int) -> UInt64 {
        sim.record(WorldKind.brokerGet, from: from, to: -1, payload: UInt64(key))
        return values[key] ?? 0
    }

    func subscribe() -> AsyncStream<UInt64> {
        let (stream, continuation) = AsyncStream.makeStream(of: UInt64.self, bufferingPolicy: .unbounded)
        subscribers.append(continuation)
        return stream
    }

    func publish(_ value: UInt64) {
        for subscriber in subscribers { subscriber.yield(value) }
    }

    func push(_ value: UInt64) {
        if waiters.isEmpty { queue.append(value) } else { waiters.removeFirst().resume(returning: value) }
    }

    /// Blocking pop through a continuation; 0 means the broker shut down.
    func blockingPop() async -> UInt64 {
        if !queue.isEmpty { return queue.removeFirst() }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func shutdown() {
        for subscriber in subscribers { subscriber.finish() }
        for waiter in waiters { waiter.resume(returning: 0) }
        subscribers = []
        waiters = []
    }
}

actor WorldNode {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let sim: SimExecutor
    let id: Int
    let broker: WorldBroker
    var peers: [WorldNode] = []
    var store: [Int: UInt64] = [:]
    var random: SplitMix64
    var heartbeat: Task<Void, Never>?

    init(sim: SimExecutor, id: Int, seed: UInt64, broker: WorldBroker) {
        self.sim = sim
        self.id = id
        self.broker = broker
        random = .derive(seed: seed, stream: 1_000 + UInt64(id))
        unownedExecutor = sim.asUnownedSerialExecutor()
    }

    func setPeers(_ nodes: [WorldNode]) { peers = nodes }

    func start() {
        heartbeat = spawn { me in
            while !Task.isCancelled {
                do {
                    try await me.sim.clock.sleep(for: .milliseconds(50 + me.random.bounded(10)))
                } catch {
                    return
                }
                await me.broker.publish(UInt64(me.id))
            }
        }
    }

    func stop() { heartbeat?.cancel() }

    func replicate(_ key: Int, _ value: UInt64, from: Int) -> UInt64 {
        sim.record(WorldKind.replicate, from: from, to: id, payload: value)
        store[key] = value
        return 1
    }

    func lookup(_ key: Int) -> UInt64 { store[key] ?? 0 }

    func handle(_ operation: WorldOperation, from client: Int) async -> UInt64 {
        switch operation {
        case .put(let key, let value):
            sim.record(WorldKind.deliver, from: client, to: id, payload: value)
            store[key] = value
            let targets = (0..<2).map { _ in (peers[random.bounded(peers.count)], Int64(100 + random.bounded(900))) }
            let myId = id
            let clock = sim.clock
            return await withTaskGroup(of: UInt64.self) { group in
                for (peer, latencyMicros) in targets {
                    group.addTask {
                        try? await Task.sleep(for: .microseconds(latencyMicros), clock: clock)
                        return await peer.replicate(key, value, from: myId)
                    }
                }
                return await group.reduce(0, &+)
            }
        case .get(let key):
            sim.record(WorldKind.deliver, from: client, to: id, payload: UInt64(key))
            async let remote = broker.get(key, from: id)
            async let local = lookup(key)
            let (remoteValue, localValue) = await (remote, local)
            return remoteValue &+ localValue
        case .enqueue(let value):
            sim.record(WorldKind.deliver, from: client, to: id, payload: value)
            await broker.push(value)
            return value
        }
    }
}
