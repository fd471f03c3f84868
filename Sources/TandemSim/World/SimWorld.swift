import TandemCore
import TandemEngine
import TandemReport
import TandemRuntime
import TandemScenario

/// One simulated run of one scenario: builds the nodes and clients, plays the schedule (arrivals,
/// departures, faults), lets the system settle, runs the checkers and assembles the report.
final class SimWorld: Sendable {
    let scenario: Scenario
    let context: SimWorldContext
    let options: SimulationOptions
    let clients: [SimClient]

    init(scenario: Scenario, seed: UInt64, executor: SimExecutor, options: SimulationOptions) {
        self.scenario = scenario
        self.options = options
        self.context = SimWorldContext(scenario: scenario, seed: seed, executor: executor, options: options)
        let context = self.context
        var environment = ClientEnvironment(seed: seed, clock: executor, recorder: context.recorder, links: context)
        environment.ignoresResyncedParticipants = options.clientsIgnoreResyncedParticipants
        environment.executor = executor
        // With `--wire` each client decodes a frame of its own: no two share an operation's array.
        if context.wire != nil { environment.textOperations = nil }
        clients = ScenarioMember.all(of: scenario, seed: seed).map { member in
            SimClient(member: member, user: member.identity(id: 1_000 + member.index), model: context.models,
                      environment: environment)
        }
    }

    var executor: SimExecutor { context.executor }
    var durationNanos: Int64 { scenario.duration.nanosecondsClamped }
    var totalNanos: Int64 { scenario.totalDuration.nanosecondsClamped }

    /// Plays the whole scenario and returns its report (trace hash and wall time are filled in by the caller).
    func run() async throws -> Report {
        for node in context.nodes { try await node.boot() }
        let events = SimSchedule.events(for: scenario, clientCount: clients.count, seed: context.seed)
        let faults = FaultInjector(world: self)
        var convergence = ConvergenceTracker(settleStartNanos: durationNanos)
        // The settle's samples compare again only what changed since the previous one; the final check reads all.
        let durable = context.store.durable
        let sampled = options.convergenceCheckCache ? CheckCache(storeStamp: { await durable.recordsStamp }) : nil
        var previousSample: (stamp: UInt64, divergent: Int)?
        for event in events {
            if event.atNanos > executor.nowNanos { try await executor.sleep(untilNanos: event.atNanos) }
            switch event.kind {
            case .arrive(let client): await clients[client].arrive()
            case .depart(let client): await clients[client].depart()
            case .faultStart(let index): await faults.start(index)
            case .faultEnd(let index): await faults.end(index)
            case .sample: await sample()
            case .stopActing: for client in clients { await client.stopActing() }
            case .converge:
                // Nothing a check reads has changed since the previous sample if no stamp was handed out since
                // (every such change takes a fresh `ChangeStamp`): its count stands. Read before the check, so a change
                // while it runs makes the next sample check again. (`users-10k`: 36 of its 40 samples.)
                let stamp = ChangeStamp.latest
                let divergent: Int
                if sampled != nil, let previous = previousSample, previous.stamp == stamp {
                    divergent = previous.divergent
                } else {
                    divergent = try await checkers(cache: sampled).divergentCount()
                }
                previousSample = (stamp, divergent)
                convergence.record(atNanos: executor.nowNanos, divergent: divergent)
            }
        }
        if executor.nowNanos < totalNanos { try await executor.sleep(untilNanos: totalNanos) }
        let checkers = checkers()
        let divergent = try await checkers.divergentClients()
        convergence.record(atNanos: executor.nowNanos, divergent: divergent.count)
        let lost = try await checkers.lostAcknowledgedWrites()
        let ghosts = try await checkers.presenceGhosts()
        await harvestNodeMetrics()
        let report = context.recorder.metrics.makeReport(
            identity: RunIdentity(
                scenarioName: scenario.name, scenarioFileHash: scenario.fileHash, seed: context.seed, mode: .sim,
                engineVersion: options.engineVersion, simulatedTimeMs: Double(executor.nowNanos) / 1e6,
                engineOptions: options.arguments.isEmpty ? nil : options.arguments,
                profile: scenario.profile.map { RunIdentity.Profile(file: $0.file, hash: $0.hash) }),
            convergence: convergence.report(divergentClients: divergent),
            lostAcknowledgedWrites: lost, versionOrderViolations: context.recorder.violations,
            presenceGhosts: ghosts, expectations: scenario.expectations, phases: scenario.phaseWindows)
        await tearDown()
        return report
    }

    /// The end-of-run checks over the simulated store and every node that is up.
    private func checkers(cache: CheckCache? = nil) -> Checkers {
        let durable = context.store.durable
        return Checkers(
            store: durable, models: context.models, clients: clients, recorder: context.recorder,
            nodes: context.nodes.compactMap { node -> (any CheckedNode)? in
                guard node.isUp, let engine = node.engine else { return nil }
                return EngineNode(name: node.name, engine: engine)
            },
            storeKeys: { await durable.recordKeys() }, cache: cache)
    }

    /// Once a simulated second: node queue depths and progress.
    private func sample() async {
        for node in context.nodes {
            context.recorder.gauge("queue_depth", node: node.index, value: node.queueDepth)
            context.recorder.gauge("write_queue_longest", node: node.index, value: node.writeQueueLongest)
        }
        if let progress = options.progress {
            var connected = 0
            for client in clients where await client.connected { connected += 1 }
            progress(SimulationProgress(simulatedNanos: executor.nowNanos, totalNanos: totalNanos, connectedClients: connected))
        }
    }

    /// Adds each live node's engine counters to the report (crashed engines were harvested when they crashed).
    func harvestNodeMetrics() async {
        for node in context.nodes { await node.harvest() }
    }

    /// Ends the run: every client hangs up, every node stops, and what is still in flight drains. (`run` ends with it;
    /// a test that drives a world by hand ends with it too.)
    func tearDown() async {
        for client in clients { await client.finish() }
        // The broker goes first: each node's goodbye (a presence notice per connection it closes) is then not logged and
        // pumped to the others, which stop next. Nothing after the clients' hang-up is observed (no client is connected
        // to be sent anything, and the report is made); at 10,000 users that was 1 % of the run's instructions.
        context.broker.setOutage(true)
        for node in context.nodes {
            await node.shutdown()
            node.closeAllConnections()
        }
        context.broker.closeAll()
        // Let work already in flight (store round trips, typing debounces, conflict think times) finish.
        try? await executor.sleep(for: max(.seconds(5), scenario.population.map(\.behavior.typing.debounce).max() ?? .zero))
        // A node overloaded past the end of the run still has a backlog on its simulated cores (frames waiting for
        // their decode or write, far past the end): let it drain into the stopped node, a minute of virtual time at
        // a time, up to an hour. Nothing is measured any more; a run that still has sleepers after that fails as
        // work pending, naming the first one's deadline.
        var drained = Duration.zero
        while executor.pendingTimerCount > 0, drained < .seconds(3_600) {
            try? await executor.sleep(for: .seconds(60))
            drained += .seconds(60)
        }
    }
}
