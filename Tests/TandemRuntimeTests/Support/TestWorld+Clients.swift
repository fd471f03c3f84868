import TandemRuntime

/// One link per client: random latency and 2 % loss from its own random stream.
actor WorldLink {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let sim: SimExecutor
    var random: SplitMix64

    init(sim: SimExecutor, id: Int, seed: UInt64) {
        self.sim = sim
        random = .derive(seed: seed, stream: 2_000 + UInt64(id))
        unownedExecutor = sim.asUnownedSerialExecutor()
    }

    func send(_ operation: WorldOperation, to node: WorldNode, nodeId: Int, from client: Int) async -> UInt64? {
        let latencyMicros = Int64(200 + random.bounded(4_800))
        if random.bounded(100) < 2 {
            sim.record(WorldKind.drop, from: client, to: nodeId)
            return nil
        }
        try? await sim.clock.sleep(for: .microseconds(latencyMicros))
        let reply = await node.handle(operation, from: client)
        try? await sim.clock.sleep(for: .microseconds(latencyMicros / 2))
        return reply
    }
}

actor WorldClient {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let sim: SimExecutor
    let id: Int
    let link: WorldLink
    let nodes: [WorldNode]
    var random: SplitMix64

    init(sim: SimExecutor, id: Int, seed: UInt64, nodes: [WorldNode]) {
        self.sim = sim
        self.id = id
        self.nodes = nodes
        link = WorldLink(sim: sim, id: id, seed: seed)
        random = .derive(seed: seed, stream: 3_000 + UInt64(id))
        unownedExecutor = sim.asUnownedSerialExecutor()
    }

    /// Each request races an 8 ms timeout in a task group; the loser is cancelled.
    func run(operationCount: Int) async -> UInt64 {
        var replySum: UInt64 = 0
        for index in 0..<operationCount {
            let nodeIndex = random.bounded(nodes.count)
            let operation: WorldOperation =
                switch random.bounded(10) {
                case 0..<4: .put(key: random.bounded(64), value: random.next())
                case 4..<9: .get(key: random.bounded(64))
                default: .enqueue(UInt64(id * 1_000_000 + index + 1))
                }
            let link = link
            let node = nodes[nodeIndex]
            let me = id
            let clock = sim.clock
            let reply: UInt64?? = await withTaskGroup(of: UInt64??.self) { group in
                group.addTask { await link.send(operation, to: node, nodeId: nodeIndex, from: me) }
                group.addTask {
                    try? await clock.sleep(for: .milliseconds(8))
                    return .some(nil)
                }
                let first = await group.next()!
                group.cancelAll()
                return first
            }
            if case .some(.some(let value)) = reply {
                replySum &+= value
                sim.record(WorldKind.reply, from: nodeIndex, to: id, payload: value)
            } else {
                sim.record(WorldKind.timeout, from: nodeIndex, to: id)
            }
            try? await sim.clock.sleep(for: .microseconds(Int64(random.bounded(2_000))))
        }
        return replySum
    }
}

/// Default actor (no executor code): runs on the simulator through the task's executor preference.
actor WorldWorker {
    let sim: SimExecutor
    let id: Int
    let broker: WorldBroker
    var doneCount = 0

    init(sim: SimExecutor, id: Int, broker: WorldBroker) {
        self.sim = sim
        self.id = id
        self.broker = broker
    }

    func start() {
        spawn { me in
            while true {
                let value = await me.broker.blockingPop()
                if value == 0 { return }
                me.sim.record(WorldKind.work, from: -1, to: me.id, payload: value)
                me.doneCount += 1
                try? await me.sim.clock.sleep(for: .microseconds(500))
            }
        }
    }
}

/// Default actor consuming the broker's heartbeats through an AsyncStream.
actor WorldMonitor {
    let sim: SimExecutor
    var beatCount = 0

    init(sim: SimExecutor) { self.sim = sim }

    func start(_ broker: WorldBroker) async {
        let stream = await broker.subscribe()
        spawn { me in
            for await node in stream {
                me.beatCount += 1
                me.sim.record(WorldKind.heartbeat, from: Int(node), to: -2)
            }
        }
    }
}

func runWorld(seed: UInt64, size: WorldSize = WorldSize()) async -> WorldResult {
    await SimThread.run {
        let sim = SimExecutor()
        let run = simulate(sim) { () async -> UInt64 in
            let broker = WorldBroker(sim: sim)
            let nodes = (0..<size.nodeCount).map { WorldNode(sim: sim, id: $0, seed: seed, broker: broker) }
            for node in nodes {
                await node.setPeers(nodes)
                await node.start()
            }
            let monitor = WorldMonitor(sim: sim)
            await monitor.start(broker)
            for id in 0..<size.workerCount { await WorldWorker(sim: sim, id: id, broker: broker).start() }
            let clients = (0..<size.clientCount).map { WorldClient(sim: sim, id: $0, seed: seed, nodes: nodes) }
            let replySum = await withTaskGroup(of: UInt64.self) { group in
                for client in clients { group.addTask { await client.run(operationCount: size.operationsPerClient) } }
                return await group.reduce(0, &+)
            }
            for node in nodes { await node.stop() }
            try? await sim.clock.sleep(for: .milliseconds(100))  // let the queue drain
            await broker.shutdown()
            return replySum
        }
        let trace = sim.trace
        return WorldResult(
            traceHash: trace.hash, traceEventCount: trace.eventCount,
            countsByKind: Array(trace.eventCountByKind[1...8]), replySum: run.value ?? 0,
            isClean: run.isClean, report: run.report)
    }
}
