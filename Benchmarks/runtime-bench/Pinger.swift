import TandemRuntime

/// A benchmark actor pinned to the simulator: it sends `messageCount` messages to random peers.
actor Pinger {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let sim: SimExecutor
    let clock: any TandemClock
    let id: Int
    var random: SplitMix64
    var peers: [Pinger] = []
    var receivedSum: UInt64 = 0

    init(sim: SimExecutor, id: Int, seed: UInt64) {
        self.sim = sim
        self.clock = sim.clock
        self.id = id
        random = .derive(seed: seed, stream: UInt64(id))
        unownedExecutor = sim.asUnownedSerialExecutor()
    }

    func setPeers(_ all: [Pinger]) { peers = all }

    func receive(_ from: Int, _ value: UInt64) {
        receivedSum &+= value
        sim.record(1, from: from, to: id, payload: value)
    }

    /// `calls`: awaited actor-to-actor calls, no virtual time.
    func runCalls(_ messageCount: Int) async {
        for _ in 0..<messageCount {
            let target = peers[random.bounded(peers.count)]
            await target.receive(id, random.next())
        }
    }

    /// `timed`: a random 1–1000 µs virtual delay (a sleep that stays on this actor), then the call.
    func runTimed(_ messageCount: Int) async {
        for _ in 0..<messageCount {
            let target = peers[random.bounded(peers.count)]
            try? await sim.sleep(for: .microseconds(Int64(1 + random.bounded(1_000))))
            await target.receive(id, random.next())
        }
    }

    /// `timed-tandem`: the same through `any TandemClock`, the path engine code takes.
    func runTimedThroughTandemClock(_ messageCount: Int) async {
        for _ in 0..<messageCount {
            let target = peers[random.bounded(peers.count)]
            try? await clock.sleep(for: .microseconds(Int64(1 + random.bounded(1_000))))
            await target.receive(id, random.next())
        }
    }

    /// `spawn`: one fire-and-forget `spawn {}` task per message.
    func runSpawn(_ messageCount: Int) async {
        for _ in 0..<messageCount {
            let target = peers[random.bounded(peers.count)]
            let value = random.next()
            let me = id
            TandemRuntime.spawn { await target.receive(me, value) }
            if random.bounded(16) == 0 { await Task.yield() }
        }
    }
}

enum SimMode: String, CaseIterable {
    case timed
    case timedTandem = "timed-tandem"
    case calls
    case spawn
}

struct SimMeasurement {
    var seconds: Double
    var run: SimRun<Bool>
}

func measureSim(_ mode: SimMode, actorCount: Int, messageCount: Int, seed: UInt64) -> SimMeasurement {
    let sim = SimExecutor()
    let start = ContinuousClock.now
    let run = simulate(sim) { () async -> Bool in
        let pingers = (0..<actorCount).map { Pinger(sim: sim, id: $0, seed: seed) }
        for pinger in pingers { await pinger.setPeers(pingers) }
        await withTaskGroup(of: Void.self) { group in
            for pinger in pingers {
                group.addTask {
                    switch mode {
                    case .timed: await pinger.runTimed(messageCount)
                    case .timedTandem: await pinger.runTimedThroughTandemClock(messageCount)
                    case .calls: await pinger.runCalls(messageCount)
                    case .spawn: await pinger.runSpawn(messageCount)
                    }
                }
            }
        }
        return true
    }
    return SimMeasurement(seconds: seconds(since: start), run: run)
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let (whole, attoseconds) = (ContinuousClock.now - start).components
    return Double(whole) + Double(attoseconds) / 1e18
}
