import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario

/// What every simulated part shares: the executor, the network, the store, the broker, the nodes and the
/// recorder. Built once per run; immutable after that.
// Why `@unchecked Sendable` is safe: its only mutable state is `LoopLocal`, which simulated code alone touches, and
// simulated code runs only on the simulation's loop thread, one job or timer at a time (`SimExecutor`).
final class SimWorldContext: @unchecked Sendable {
    let executor: SimExecutor
    let seed: UInt64
    let network: SimNetwork
    let recorder: SimRecorder
    let store: SimStore
    let broker: SimBroker
    let nodes: [SimNode]
    let models: ModelRegistry
    /// With `--wire`: the production codecs on every hop.
    let wire: WireRoundTrip?
    /// Connection serial numbers, for connection ids that are the same on every run.
    @exclusivity(unchecked) var serials = LoopLocal(0)

    init(scenario: Scenario, seed: UInt64, executor: SimExecutor, options: SimulationOptions) {
        self.executor = executor
        self.seed = seed
        self.network = SimNetwork(links: scenario.topology.links, seed: seed)
        self.recorder = SimRecorder(
            clock: executor, tracer: executor, groups: scenario.population.map(\.name), confinedTo: executor)
        self.wire = options.wire ? WireRoundTrip(recorder: recorder) : nil
        self.store = SimStore(
            network: network, executor: executor, serviceLatency: scenario.topology.storeLatency, seed: seed,
            commitDelay: options.testHookCommitDelay)
        self.broker = SimBroker(
            kind: scenario.topology.broker, network: network, executor: executor, recorder: recorder,
            maxLength: scenario.topology.brokerMaxLength ?? BackplaneDefaults.streamLengthMax, wire: wire,
            nodeCount: scenario.topology.nodeCount,
            reconnectDelayMin: scenario.topology.brokerReconnectDelayMin ?? BackplaneDefaults.reconnectDelayMin,
            reconnectDelayMax: scenario.topology.brokerReconnectDelayMax ?? BackplaneDefaults.reconnectDelayMax,
            seed: seed)
        self.models = ScenarioModels.registry(scenario)
        var nodes: [SimNode] = []
        nodes.reserveCapacity(scenario.topology.nodeCount)
        for node in scenario.topology.nodes {
            var configuration = NodeConfiguration(
                nodeID: node.description, models: models, heartbeatInterval: scenario.topology.effectiveHeartbeatInterval,
                heartbeatTimeout: options.presenceExpiry
                    ? scenario.topology.effectiveHeartbeatTimeout : .seconds(365 * 24 * 3_600),
                gapRecovery: options.gapRecovery ?? scenario.topology.brokerRecovery,
                ackBeforePersist: options.ackBeforePersist)
            configuration.limits.participantsPerSessionMax = max(250, scenario.totalUserCount)
            if let writeQueueMax = scenario.topology.node.writeQueueMax {
                configuration.limits.outboundQueueCountMax = writeQueueMax
            }
            nodes.append(SimNode(index: node.number - 1, configuration: configuration,
                                 costs: scenario.topology.node, seed: seed))
        }
        self.nodes = nodes
        for node in nodes { node.attach(self) }
    }
}

/// Clients reach the simulated nodes over simulated connections.
extension SimWorldContext: ClientLinks {
    var nodeCount: Int { nodes.count }

    func connection(from client: SimClient, index: Int, to node: Int) -> any ClientConnection {
        serials.update { $0 += 1 }
        return SimConnection(serial: serials.value, client: client, clientIndex: index, node: node, world: self)
    }
}

/// Turns a scenario's model declarations into the engine's schemas.
public enum ScenarioModels {
    public static func registry(_ scenario: Scenario) -> ModelRegistry {
        ModelRegistry(scenario.models.map { spec in
            ModelSchema(name: spec.name, fields: spec.fields.map { field in
                let type = field.type
                let policy: ConflictPolicy = field.policy == .manual ? .manual : .lastWriterWins
                return FieldSchema(name: field.name, type: type, policy: policy)
            })
        })
    }
}
