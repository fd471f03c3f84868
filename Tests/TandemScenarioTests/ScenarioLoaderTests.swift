import Foundation
import TandemScenario
import TandemCore
import Testing

struct ScenarioLoaderTests {
    private func classroom() throws -> Scenario {
        try ScenarioLoader.loadFile(path: Fixtures.scenariosDirectory + "/classroom-150.yaml")
    }

    @Test func classroomExampleTopLevelKeysParseIntoTheirValues() throws {
        let scenario = try classroom()
        #expect(scenario.name == "classroom-150")
        #expect(scenario.description == "150 users edit 3 shared records on 3 nodes; node-2 loses the broker for "
            + "5 s, half the clients drop and reconnect, node-3 crashes and restarts.")
        #expect(scenario.seed == 42)
        #expect(scenario.duration == .seconds(120))
        #expect(scenario.settle == .seconds(10))
        #expect(scenario.totalDuration == .seconds(130))
        #expect(scenario.file.hasSuffix("Scenarios/classroom-150.yaml"))
        #expect(scenario.fileHash.count == 16)
    }

    @Test func classroomExampleTopologyParsesIntoItsValues() throws {
        let topology = try classroom().topology
        #expect(topology.nodeCount == 3)
        #expect(topology.nodes.map(\.description) == ["node-1", "node-2", "node-3"])
        #expect(topology.broker == .redisStreams)
        #expect(topology.storeLatency == .fixed(.milliseconds(2)))
        #expect(topology.links.clientNode.latency == .lognormal(median: .milliseconds(20), p99: .milliseconds(80)))
        #expect(topology.links.clientNode.loss == 0.001)
        #expect(topology.links.nodeBroker.latency == .uniform(.microseconds(500), .milliseconds(2)))
        #expect(topology.links.nodeBroker.loss == 0)
        #expect(topology.links.nodeStore == LinkSettings(latency: .fixed(.milliseconds(1))))
        #expect(topology.links[.nodeStore] == topology.links.nodeStore)
        var costs = NodeCosts.measured
        costs.perMessage = .fixed(.microseconds(50))  // the file's cpu_per_message
        #expect(topology.node == costs)
    }

    @Test func nodeCostTermsParseAsDistributionsAndTheOldKeyIsThePerMessageTerm() throws {
        let yaml = Fixtures.base.replacingOccurrences(of: "  nodes: 3\n", with: """
              nodes: 3
              node:
                cores: 4
                event_loops: 2
                per_message: 30us
                per_recipient: {uniform: [1us, 3us]}
                per_store_call: 0us
                per_delivery: {lognormal: {median: 18us, p99: 60us}}
                per_write: 15us
                per_frame: {exponential: {mean: 8us}}
                write_queue_max: 64
                cpu_scale: 0.4
                write_scale: 0.35

            """)
        let costs = try ScenarioLoader.load(yaml: yaml, file: "t.yaml").topology.node
        #expect(costs == NodeCosts(
            cores: 4, perMessage: .fixed(.microseconds(30)), perRecipient: .uniform(.microseconds(1), .microseconds(3)),
            perStoreCall: .zero, perDelivery: .lognormal(median: .microseconds(18), p99: .microseconds(60)),
            perFrame: .exponential(mean: .microseconds(8)), writeQueueMax: 64, perWrite: .fixed(.microseconds(15)),
            eventLoops: 2, cpuScale: 0.4, writeScale: 0.35))
        #expect(costs.perStoreCall.isZero && !costs.perFrame.isZero)
        #expect(costs.effectiveWriteScale == 0.35)
        // Without the keys the host is the defaults' machine, and per_write follows cpu_scale.
        let plain = try ScenarioLoader.load(yaml: Fixtures.base, file: "t.yaml").topology.node
        #expect(plain.cpuScale == 1 && plain.writeScale == nil && plain.effectiveWriteScale == 1)
        let cpuOnly = Fixtures.base.replacingOccurrences(of: "  nodes: 3\n", with: "  nodes: 3\n  node: {cpu_scale: 0.6}\n")
        #expect(try ScenarioLoader.load(yaml: cpuOnly, file: "t.yaml").topology.node.effectiveWriteScale == 0.6)

        let legacy = Fixtures.base.replacingOccurrences(of: "  nodes: 3\n", with: "  nodes: 3\n  node: {cpu_per_message: 20us}\n")
        var expected = NodeCosts.measured
        expected.perMessage = .fixed(.microseconds(20))
        #expect(try ScenarioLoader.load(yaml: legacy, file: "t.yaml").topology.node == expected)
    }

    @Test func classroomExampleModelResolvesExplicitAndDefaultPolicies() throws {
        let models = try classroom().models
        #expect(models.count == 1)
        #expect(models[0].name == "Contact")
        #expect(models[0].fields == [
            FieldSpec(name: "name", type: .string, policy: .manual),
            FieldSpec(name: "notes", type: .text, policy: .operationalTransform),
            FieldSpec(name: "age", type: .number, policy: .lastWriterWins),
            FieldSpec(name: "settings", type: .json, policy: .merge),
            FieldSpec(name: "tags", type: .list, policy: .merge),
        ])
    }

    @Test func classroomExamplePopulationParsesIntoItsValues() throws {
        let population = try classroom().population
        #expect(population.count == 1)
        let group = population[0]
        #expect(group.name == "editors")
        #expect(group.userCount == 150)
        #expect(group.placement == .roundRobin)
        #expect(group.records == RecordSelection(model: "Contact", count: 3, pick: .zipf(exponent: 1.1)))
        #expect(group.behavior.thinkTime == .exponential(mean: .seconds(3)))
        #expect(group.behavior.weight(of: .typeText) == 0.6)
        #expect(group.behavior.weight(of: .setField) == 0.2)
        #expect(group.behavior.weight(of: .moveCursor) == 0.15)
        #expect(group.behavior.weight(of: .comment) == 0.05)
        #expect(group.behavior.weight(of: .deleteText) == 0)
        #expect(group.behavior.actions.map(\.kind) == ActionKind.allCases)
        #expect(group.behavior.typing == Typing(charactersPerBurst: .uniform(lower: 1, upper: 12),
                                                debounce: .milliseconds(500)))
        #expect(group.behavior.fields == nil)
    }

    @Test func classroomExamplePhasesParseAndShapeTheUserCount() throws {
        let scenario = try classroom()
        #expect(scenario.phases == [
            .ramp(to: 150, over: .seconds(20)), .steady(.seconds(80)), .ramp(to: 0, over: .seconds(10)),
        ])
        let counts = [0, 10, 20, 60, 100, 105, 110, 119].map { scenario.targetUserCount(at: .seconds($0)) }
        #expect(counts == [0, 75, 150, 150, 150, 75, 0, 0])
    }

    @Test func classroomExampleFaultsParseIntoTheirValues() throws {
        let faults = try classroom().faults
        #expect(faults == [
            Fault(at: .seconds(40), kind: .partition(Partition(
                between: [.node(NodeID(number: 2))], and: [.broker], duration: .seconds(5)))),
            Fault(at: .seconds(60), kind: .latencySpike(LatencySpike(
                link: .clientNode, added: .milliseconds(200), duration: .seconds(3)))),
            Fault(at: .seconds(70), kind: .disconnect(Disconnect(
                clients: .percent(50), reconnectAfter: .uniform(.seconds(1), .seconds(5))))),
            Fault(at: .seconds(90), kind: .crash(Crash(node: NodeID(number: 3), restartAfter: .seconds(3)))),
            Fault(at: .seconds(100), kind: .brokerOutage(.seconds(2))),
        ])
        #expect(faults.map(\.end) == [.seconds(45), .seconds(63), nil, .seconds(93), .seconds(102)])
    }

    @Test func classroomExampleExpectationsParseIntoTheirValues() throws {
        let expectations = try classroom().expectations
        #expect(expectations.map(\.metric) == [
            "latency.propagation.p99{outside: faults}", "latency.propagation.p99{after: faults, for: 5s}",
            "latency.propagation.p99{during: faults}", "latency.ack.p50", "convergence.within",
            "lost_acknowledged_writes", "divergent_clients", "presence.ghosts_after_settle",
        ])
        #expect(expectations.map(\.expectedText) == [
            "< 175 ms", "< 350 ms", "< 4000 ms", "< 60 ms", "<= 2000 ms", "<= 0", "<= 0", "<= 0",
        ])
        #expect(expectations.map(\.comparison) == [.lessThan, .lessThan, .lessThan, .lessThan, .lessThanOrEqual,
                                                    .lessThanOrEqual, .lessThanOrEqual, .lessThanOrEqual])
        #expect(expectations.prefix(3).map(\.scope?.time) == [.outsideFaults, .after(.all, forNanos: 5_000_000_000),
                                                               .during(.all)])
    }

    @Test func everyShippedScenarioLoadsUnderItsFileName() throws {
        for file in Fixtures.shippedFiles {
            let scenario = try ScenarioLoader.loadFile(path: Fixtures.scenariosDirectory + "/" + file)
            #expect(scenario.name + ".yaml" == file)
            #expect(scenario.duration >= .seconds(30) && scenario.duration <= .seconds(120))
        }
    }

    /// The benchmark scenarios (`Benchmarks/scenarios/`, run by hand for docs/BENCHMARKS.md) stay loadable as
    /// the vocabulary changes, each under its file name.
    @Test func everyBenchmarkScenarioLoadsUnderItsFileName() throws {
        let directory = Fixtures.packageRoot + "/Benchmarks/scenarios"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 7)
        for file in files.sorted() {
            let scenario = try ScenarioLoader.loadFile(path: directory + "/" + file)
            #expect(scenario.name + ".yaml" == file)
        }
    }

    @Test func loadingTheDirectoryLoadsEveryScenarioSortedByFileName() throws {
        let scenarios = try ScenarioLoader.load(path: Fixtures.scenariosDirectory)
        #expect(scenarios.map { $0.name + ".yaml" } == Fixtures.shippedFiles)
    }

    @Test func shippedScenariosHaveTheSizesTheirNamesPromise() throws {
        let byName = Dictionary(uniqueKeysWithValues: try ScenarioLoader.load(path: Fixtures.scenariosDirectory)
            .map { ($0.name, $0) })
        #expect(byName["smoke-10"]?.totalUserCount == 10)
        #expect(byName["smoke-10"]?.topology.nodeCount == 1)
        #expect(byName["smoke-10"]?.duration == .seconds(30))
        #expect(byName["scale-1000x10"]?.totalUserCount == 1000)
        #expect(byName["scale-1000x10"]?.topology.nodeCount == 10)
        #expect(byName["reconnect-storm-500"]?.totalUserCount == 500)
        #expect(byName["reconnect-storm-500"]?.faults.first?.kind == .disconnect(Disconnect(
            clients: .percent(100), reconnectAfter: .uniform(.milliseconds(500), .seconds(5)))))
        #expect(byName["crash-restart"]?.faults.first?.kind == .crash(Crash(node: NodeID(number: 2),
                                                                           restartAfter: .seconds(5))))
        let deletion = byName["delete-during-partition"]?.faults.last
        #expect(deletion?.kind == .deleteRecord(RecordDeletion(model: "Doc", record: 1, via: NodeID(number: 2))))
        #expect(deletion?.kind.key == "delete_record")
        #expect(deletion?.end == nil, "a deletion is an instant, not a window")
    }

    @Test func partitionScenariosDifferOnlyInNameAndBrokerKind() throws {
        let pubsub = try ScenarioLoader.loadFile(path: Fixtures.scenariosDirectory + "/partition-pubsub.yaml")
        var streams = try ScenarioLoader.loadFile(path: Fixtures.scenariosDirectory + "/partition-streams.yaml")
        #expect(pubsub.topology.broker == .redisPubSub)
        #expect(streams.topology.broker == .redisStreams)
        #expect(pubsub.topology.nodeCount == 3)
        streams.name = pubsub.name
        streams.topology.broker = pubsub.topology.broker
        streams.file = pubsub.file
        streams.fileHash = pubsub.fileHash
        #expect(streams == pubsub)
    }

    @Test func omittedKeysTakeTheirDocumentedDefaults() throws {
        let yaml = """
            name: minimal
            duration: 30s
            models: [{name: M, fields: {body: text, flag: bool, data: json}}]
            population: [{group: g, users: 4, records: {model: M, count: 2}, behavior: {actions: {type_text: 1}}}]
            """
        let scenario = try ScenarioLoader.load(yaml: yaml, file: "minimal.yaml")
        #expect(scenario.description == "")
        #expect(scenario.seed == Scenario.defaultSeed)
        #expect(scenario.settle == .seconds(10))
        #expect(scenario.topology == Topology())
        #expect(scenario.topology.nodeCount == 1 && scenario.topology.broker == .redisStreams)
        #expect(scenario.topology.links.clientNode == LinkSettings(latency: .fixed(.milliseconds(20)), loss: 0))
        #expect(scenario.phases == [.ramp(to: 4, over: .zero)])
        #expect(scenario.faults.isEmpty && scenario.expectations.isEmpty)
        #expect(scenario.models[0].fields.map(\.policy) == [.operationalTransform, .lastWriterWins, .merge])
        let group = scenario.population[0]
        #expect(group.placement == .roundRobin)
        #expect(group.records.pick == .uniform(lower: 1, upper: 2))
        #expect(group.behavior.thinkTime == Behavior.defaultThinkTime)
        #expect(group.behavior.typing == Typing())
    }

    @Test func aRampsSpacingParsesAndDefaultsToEven() throws {
        let random = Fixtures.base.replacingOccurrences(of: "over: 5s}", with: "over: 5s, spacing: random}")
        #expect(try ScenarioLoader.load(yaml: random, file: "random.yaml").phases.first
            == .ramp(to: 10, over: .seconds(5), spacing: .random))
        #expect(try ScenarioLoader.load(yaml: Fixtures.base, file: "base.yaml").phases.first
            == .ramp(to: 10, over: .seconds(5), spacing: .even))
        let scaled = try ScenarioLoader.load(yaml: random, file: "random.yaml").scaled(users: 20, nodes: 3)
        #expect(scaled.phases.first == .ramp(to: 20, over: .seconds(5), spacing: .random))
    }

    @Test func brokerReconnectDelaysParseAndDefaultToTheServers() throws {
        let yaml = Fixtures.base.replacingOccurrences(
            of: "  nodes: 3", with: "  nodes: 3\n  broker: {kind: redis-streams, reconnect_delay_min: 20ms, reconnect_delay_max: 1s}")
        let topology = try ScenarioLoader.load(yaml: yaml, file: "reconnect.yaml").topology
        #expect(topology.brokerReconnectDelayMin == .milliseconds(20))
        #expect(topology.brokerReconnectDelayMax == .seconds(1))
        let plain = try ScenarioLoader.load(yaml: Fixtures.base, file: "base.yaml").topology
        #expect(plain.brokerReconnectDelayMin == nil && plain.brokerReconnectDelayMax == nil)
    }

    @Test func theHeartbeatParsesAndDefaultsToTheServers() throws {
        let yaml = Fixtures.base.replacingOccurrences(
            of: "  nodes: 3", with: "  nodes: 3\n  heartbeat: {interval: 2s, timeout: 6s}")
        let topology = try ScenarioLoader.load(yaml: yaml, file: "heartbeat.yaml").topology
        #expect(topology.heartbeatInterval == .seconds(2) && topology.heartbeatTimeout == .seconds(6))
        #expect(topology.effectiveHeartbeatInterval == .seconds(2) && topology.effectiveHeartbeatTimeout == .seconds(6))
        let plain = try ScenarioLoader.load(yaml: Fixtures.base, file: "base.yaml").topology
        #expect(plain.heartbeatInterval == nil && plain.heartbeatTimeout == nil)
        #expect(plain.effectiveHeartbeatInterval == HeartbeatDefaults.interval)
        #expect(plain.effectiveHeartbeatTimeout == HeartbeatDefaults.timeout)
        // One key alone keeps the server's default for the other.
        let longer = try ScenarioLoader.load(yaml: Fixtures.base.replacingOccurrences(
            of: "  nodes: 3", with: "  nodes: 3\n  heartbeat: {timeout: 90s}"), file: "timeout.yaml").topology
        #expect(longer.effectiveHeartbeatInterval == HeartbeatDefaults.interval)
        #expect(longer.effectiveHeartbeatTimeout == .seconds(90))
    }

    /// Clients that vanish (a disconnect without reconnect) stay present until the heartbeat timeout: a warning says so
    /// when that comes after the checks, with the settle that would outlast it, and says nothing otherwise.
    @Test func vanishedClientsTheHeartbeatCannotExpireBeforeTheChecksAreWarnedOf() throws {
        func scenario(_ fault: String, heartbeat: String = "", settle: String = "") throws -> Scenario {
            var yaml = Fixtures.base.replacingOccurrences(
                of: "    partition: {between: [node-2], and: [broker], for: 5s}", with: "    " + fault)
            if !heartbeat.isEmpty { yaml = yaml.replacingOccurrences(of: "  nodes: 3", with: "  nodes: 3\n  " + heartbeat) }
            if !settle.isEmpty { yaml = yaml.replacingOccurrences(of: "duration: 60s", with: "duration: 60s\n" + settle) }
            return try ScenarioLoader.load(yaml: yaml, file: "vanish.yaml")
        }
        // At 20 s, the server's 45 s timeout checked every 15 s: gone by 80 s, after the checks at 60 + 10 s.
        let vanish = try scenario("disconnect: {clients: 3}")
        #expect(vanish.heartbeatWarnings == [
            "faults[0] (disconnect at 20s, no reconnect_after): the servers let those connections go only after the "
                + "heartbeat timeout (45s, checked every 15s), up to 80s into the run, after the checks at 70s: they "
                + "will be counted in presence.ghosts_after_settle, as real servers would show them. For a run without "
                + "them, give settle at least 20s or a shorter topology.heartbeat.",
        ])
        #expect(try scenario("disconnect: {clients: 3}", settle: "settle: 20s").heartbeatWarnings.isEmpty)
        #expect(try scenario("disconnect: {clients: 3}", heartbeat: "heartbeat: {interval: 2s, timeout: 6s}")
            .heartbeatWarnings.isEmpty)
        #expect(try scenario("disconnect: {clients: 3, reconnect_after: {fixed: 2s}}").heartbeatWarnings.isEmpty)
        #expect(try scenario("crash: {node: node-2, restart_after: 3s}").heartbeatWarnings.isEmpty)
    }

    @Test func alternativeSpellingsOfTheVocabularyParse() throws {
        var yaml = Fixtures.base
        yaml = yaml.replacingOccurrences(of: "    users: 10\n", with: "    users: 10\n    placement: {pin: node-3}\n")
        yaml = yaml.replacingOccurrences(of: "loss: 0.01}", with: "loss: 1%}")
        yaml = yaml.replacingOccurrences(of: "think_time: {exponential: {mean: 2s}}",
                                         with: "think_time: {normal: {mean: 2s, stddev: 500ms}}")
        yaml = yaml.replacingOccurrences(
            of: "partition: {between: [node-2], and: [broker], for: 5s}",
            with: "partition: {between: [clients, editors], and: [node-2, node-3], for: 5s}\n"
                + "  - {at: 30s, disconnect: {clients: 3, group: editors}}\n"
                + "  - {at: 31s, loss: {link: node_store, rate: 0.5, for: 1s}}\n"
                + "  - {at: 32s, crash: {node: node-1}}")
        let scenario = try ScenarioLoader.load(yaml: yaml, file: "variants.yaml")
        #expect(scenario.population[0].placement == .pinned(NodeID(number: 3)))
        #expect(scenario.topology.links.clientNode.loss == 0.01)
        #expect(scenario.population[0].behavior.thinkTime == .normal(mean: .seconds(2),
                                                                     standardDeviation: .milliseconds(500)))
        #expect(scenario.faults.map(\.kind) == [
            .partition(Partition(between: [.allClients, .clientGroup("editors")],
                                 and: [.node(NodeID(number: 2)), .node(NodeID(number: 3))], duration: .seconds(5))),
            .disconnect(Disconnect(clients: .count(3), group: "editors")),
            .loss(LinkLoss(link: .nodeStore, rate: 0.5, duration: .seconds(1))),
            .crash(Crash(node: NodeID(number: 1))),
        ])
    }

    @Test func fileHashIsFNV1aOfTheFileBytes() throws {
        #expect(FNV1a.hexHash("".utf8) == "cbf29ce484222325")
        #expect(FNV1a.hexHash("a".utf8) == "af63dc4c8601ec8c")
        #expect(FNV1a.hexHash("foobar".utf8) == "85944171f73967e8")
        let path = Fixtures.scenariosDirectory + "/smoke-10.yaml"
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(try ScenarioLoader.loadFile(path: path).fileHash == FNV1a.hexHash(bytes))
    }

    @Test func aMissingPathIsAnUnreadableError() {
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: "/nonexistent/tandem.yaml") }
        do {
            _ = try ScenarioLoader.load(path: "/nonexistent/tandem.yaml")
        } catch {
            #expect(error.code == .unreadable)
            #expect(error.description == "/nonexistent/tandem.yaml:1:1: error: no such file or directory")
        }
    }

    @Test func twoFilesWithOneScenarioNameInADirectoryAreRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(getpid())-dup").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.base.write(toFile: directory + "/a.yaml", atomically: true, encoding: .utf8)
        try Fixtures.base.write(toFile: directory + "/b.yml", atomically: true, encoding: .utf8)
        try "not a scenario".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioLoader.load(path: directory)
            Issue.record("expected a duplicate-name error")
        } catch {
            #expect(error.file == directory + "/b.yml")
            #expect(error.keyPath == "name")
        }
    }
}
