import TandemRuntime
import Testing

/// Actors that send each other messages through async let and task-group children, with SimClock and
/// `Task.sleep(for:clock:)` delays: the spike's determinism harness.
actor Peer {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let sim: SimExecutor
    let id: Int
    var random: SplitMix64
    var peers: [Peer] = []

    init(sim: SimExecutor, id: Int, seed: UInt64) {
        self.sim = sim
        self.id = id
        random = .derive(seed: seed, stream: UInt64(id))
        unownedExecutor = sim.asUnownedSerialExecutor()
    }

    func setPeers(_ all: [Peer]) { peers = all }

    func deliver(_ from: Int, _ value: UInt64) -> UInt64 {
        sim.record(1, from: from, to: id, payload: value)
        return value &* 31
    }

    func run(messageCount: Int) async -> UInt64 {
        var sum: UInt64 = 0
        for _ in 0..<messageCount {
            let first = peers[random.bounded(peers.count)]
            let second = peers[random.bounded(peers.count)]
            let firstValue = random.next()
            let secondValue = random.next()
            let me = id
            let clock = sim.clock
            try? await clock.sleep(for: .microseconds(Int64(1 + random.bounded(500))))
            async let x = first.deliver(me, firstValue)
            let y = await withTaskGroup(of: UInt64.self) { group in
                group.addTask {
                    try? await Task.sleep(for: .microseconds(50), clock: clock)
                    return await second.deliver(me, secondValue)
                }
                return await group.next()!
            }
            sum &+= await x &+ y
        }
        return sum
    }
}

struct PeersResult: Sendable, Equatable {
    var hash: UInt64
    var eventCount: Int
    var isClean: Bool
}

func runPeers(seed: UInt64, actorCount: Int = 20, messageCount: Int = 50) async -> PeersResult {
    let (run, trace) = await simulateOnThread(inspect: { $0.trace }) { sim in
        let peers = (0..<actorCount).map { Peer(sim: sim, id: $0, seed: seed) }
        for peer in peers { await peer.setPeers(peers) }
        return await withTaskGroup(of: UInt64.self) { group in
            for peer in peers { group.addTask { await peer.run(messageCount: messageCount) } }
            return await group.reduce(0, &+)
        }
    }
    return PeersResult(hash: trace.hash, eventCount: trace.eventCount, isClean: run.isClean)
}

@Suite struct DeterminismTests {
    @Test func sameSeedGivesTheSameTraceHashInEveryRun() async {
        var results: [PeersResult] = []
        for _ in 0..<3 { results.append(await runPeers(seed: 42)) }
        #expect(results[0].eventCount == 20 * 50 * 2)
        #expect(Set(results.map(\.hash)).count == 1)
        #expect(results.allSatisfy { $0.isClean })
    }

    @Test func differentSeedsGiveDifferentTraceHashes() async {
        var hashes: [UInt64] = []
        for seed in 1...4 { hashes.append(await runPeers(seed: UInt64(seed)).hash) }
        #expect(Set(hashes).count == 4)
    }

    @Test func aWorldOfActorsStreamsContinuationsAndCancellationRunsDeterministically() async {
        let first = await runWorld(seed: 42)
        let second = await runWorld(seed: 42)
        let other = await runWorld(seed: 43)
        #expect(first.isClean, "\(first.report)")
        #expect(first == second)
        #expect(first.traceHash != other.traceHash)
        // deliveries, replies, replications, heartbeats and worker jobs all happened
        for kind in [WorldKind.deliver, WorldKind.reply, WorldKind.replicate, WorldKind.heartbeat, WorldKind.work] {
            #expect(first.countsByKind[Int(kind) - 1] > 0, "no events of kind \(kind)")
        }
    }

    @Test func twoSimulationsOnTwoThreadsInParallelMatchSequentialRuns() async {
        let sequential = await runPeers(seed: 7)
        async let left = runPeers(seed: 7)
        async let right = runPeers(seed: 8)
        let (parallelSame, parallelOther) = await (left, right)
        #expect(parallelSame == sequential)
        #expect(parallelOther.hash != sequential.hash)
        #expect(parallelSame.isClean && parallelOther.isClean)
    }

    @Test func theSimulatorProducesTheEventOrderOfABareEventLoop() async {
        let bare = bareTimedHash(actorCount: 20, messageCount: 100, seed: 7)
        let (run, simulated) = await simulateOnThread(inspect: { $0.trace.hash }) { sim in
            await runTimedPingers(sim: sim, actorCount: 20, messageCount: 100, seed: 7)
        }
        #expect(run.isClean, "\(run.report)")
        #expect(simulated == bare)
    }
}

actor Pinger {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let sim: SimExecutor
    let id: Int
    var random: SplitMix64
    var peers: [Pinger] = []
    var receivedSum: UInt64 = 0

    init(sim: SimExecutor, id: Int, seed: UInt64) {
        self.sim = sim
        self.id = id
        random = .derive(seed: seed, stream: UInt64(id))
        unownedExecutor = sim.asUnownedSerialExecutor()
    }

    func setPeers(_ all: [Pinger]) { peers = all }

    func receive(_ from: Int, _ value: UInt64) {
        receivedSum &+= value
        sim.record(1, from: from, to: id, payload: value)
    }

    func runTimed(_ messageCount: Int) async {
        for _ in 0..<messageCount {
            let target = peers[random.bounded(peers.count)]
            try? await sim.clock.sleep(for: .microseconds(Int64(1 + random.bounded(1_000))))
            await target.receive(id, random.next())
        }
    }
}

func runTimedPingers(sim: SimExecutor, actorCount: Int, messageCount: Int, seed: UInt64) async {
    let pingers = (0..<actorCount).map { Pinger(sim: sim, id: $0, seed: seed) }
    for pinger in pingers { await pinger.setPeers(pingers) }
    await withTaskGroup(of: Void.self) { group in
        for pinger in pingers { group.addTask { await pinger.runTimed(messageCount) } }
    }
}

/// The same workload as `Pinger.runTimed`, as closures on a `BareEventLoop`.
func bareTimedHash(actorCount: Int, messageCount: Int, seed: UInt64) -> UInt64 {
    final class Node {
        let id: Int
        var random: SplitMix64
        var left: Int
        init(id: Int, seed: UInt64, left: Int) {
            self.id = id
            random = .derive(seed: seed, stream: UInt64(id))
            self.left = left
        }
    }
    let loop = BareEventLoop()
    let nodes = (0..<actorCount).map { Node(id: $0, seed: seed, left: messageCount) }
    func step(_ node: Node) {
        guard node.left > 0 else { return }
        node.left -= 1
        let target = nodes[node.random.bounded(nodes.count)]
        loop.schedule(afterNanos: Int64(1 + node.random.bounded(1_000)) * 1_000) {
            loop.trace.add(timeNanos: loop.nowNanos, kind: 1, from: node.id, to: target.id, payload: node.random.next())
            step(node)
        }
    }
    for node in nodes { step(node) }
    loop.run()
    return loop.trace.hash
}
