import TandemCore

extension ScenarioDecoder {
    /// `topology`, over `base` (the defaults, or a calibration profile's values): a key given here replaces the
    /// base's value, term by term inside `node`, `links` and `store`. `profile:` names the profile file (relative
    /// to the scenario's folder); a profile given to the loader (`--profile`) is used instead.
    func decodeTopology(_ value: YAMLValue?, profile: ScenarioProfile.Source?) throws -> (Topology, ScenarioProfile?) {
        let map = try value?.mapping(allowing: ["nodes", "broker", "heartbeat", "store", "links", "node", "profile"])
        let named = try map?.optional("profile").map { try ScenarioProfile.Source.named($0) }
        guard let source = profile ?? named else {
            return (try value.map { try decodeTopology($0, base: Topology()) } ?? Topology(), nil)
        }
        let loaded = try ScenarioProfile.load(source)
        return (try value.map { try decodeTopology($0, base: loaded.topology) } ?? loaded.topology, loaded.profile)
    }

    func decodeTopology(_ value: YAMLValue, base: Topology) throws -> Topology {
        let map = try value.mapping(allowing: ["nodes", "broker", "heartbeat", "store", "links", "node", "profile"])
        var topology = base
        if let nodes = try map.optional("nodes") {
            topology.nodeCount = try nodes.integer(in: 1...Topology.nodeCountMax)
        }
        if let broker = try map.optional("broker") {
            let brokerMap = try broker.mapping(
                allowing: ["kind", "recovery", "max_length", "reconnect_delay_min", "reconnect_delay_max"])
            topology.broker = try Self.oneOf(brokerMap.required("kind"), BrokerKind.self, what: "broker kind")
            if let recovery = try brokerMap.optional("recovery") { topology.brokerRecovery = try recovery.boolean() }
            if let maxLength = try brokerMap.optional("max_length") {
                topology.brokerMaxLength = try maxLength.integer(in: 1...1_000_000_000)
            }
            if let delay = try brokerMap.optional("reconnect_delay_min") {
                topology.brokerReconnectDelayMin = try delay.duration()
            }
            if let delay = try brokerMap.optional("reconnect_delay_max") {
                topology.brokerReconnectDelayMax = try delay.duration()
            }
            let minimum = topology.brokerReconnectDelayMin ?? BackplaneDefaults.reconnectDelayMin
            let maximum = topology.brokerReconnectDelayMax ?? BackplaneDefaults.reconnectDelayMax
            if maximum < minimum, let given = try brokerMap.optional("reconnect_delay_max") ?? brokerMap.optional("reconnect_delay_min") {
                throw given.error(.invalidValue, "reconnect_delay_max (\(DurationText.format(maximum))) is below "
                                  + "reconnect_delay_min (\(DurationText.format(minimum))), default or given")
            }
        }
        if let heartbeat = try map.optional("heartbeat") { try decodeHeartbeat(heartbeat, into: &topology) }
        if let store = try map.optional("store") {
            let storeMap = try store.mapping(allowing: ["latency"])
            if let latency = try storeMap.optional("latency") {
                topology.storeLatency = try decodeDurationDistribution(latency)
            }
        }
        if let links = try map.optional("links") {
            let linksMap = try links.mapping(allowing: LinkKind.allCases.map(\.rawValue))
            let defaults = base.links
            func link(_ kind: LinkKind) throws -> LinkSettings {
                try linksMap.optional(kind.rawValue).map { try decodeLink($0, default: defaults[kind]) }
                    ?? defaults[kind]
            }
            topology.links = Links(
                clientNode: try link(.clientNode), nodeBroker: try link(.nodeBroker), nodeStore: try link(.nodeStore))
        }
        if let node = try map.optional("node") { topology.node = try decodeNodeCosts(node, base: base.node) }
        return topology
    }

    /// `topology.heartbeat`: `interval` and `timeout`, each optional (the other keeps the server's default); the
    /// timeout must exceed the interval, as the server requires of its own `heartbeat:` section.
    private func decodeHeartbeat(_ value: YAMLValue, into topology: inout Topology) throws {
        let map = try value.mapping(allowing: ["interval", "timeout"])
        if let interval = try map.optional("interval") {
            let duration = try interval.duration()
            let minimum = Topology.heartbeatIntervalMin
            guard duration >= minimum else {
                throw interval.error(.invalidValue, "expected at least \(DurationText.format(minimum)) (clients take no "
                    + "shorter heartbeat from heartbeat_ms), found \(DurationText.format(duration))")
            }
            topology.heartbeatInterval = duration
        }
        if let timeout = try map.optional("timeout") { topology.heartbeatTimeout = try timeout.duration() }
        let interval = topology.effectiveHeartbeatInterval
        let timeout = topology.effectiveHeartbeatTimeout
        if timeout <= interval, let given = try map.optional("timeout") ?? map.optional("interval") {
            throw given.error(.invalidValue, "heartbeat timeout (\(DurationText.format(timeout))) must be longer than "
                              + "the interval (\(DurationText.format(interval))), default or given")
        }
    }

    /// `topology.node`: cores, event loops, the six cost terms (each a duration distribution), the host's speed
    /// (`cpu_scale`, and `write_scale` for `per_write`), the write-queue limit.
    /// `cpu_per_message`, the key before the cost model had terms, is `per_message` under its old name.
    private func decodeNodeCosts(_ value: YAMLValue, base: NodeCosts) throws -> NodeCosts {
        let legacy = "cpu_per_message"
        let map = try value.mapping(
            allowing: ["cores", "event_loops", "write_queue_max", "cpu_scale", "write_scale", legacy] + NodeCosts.termKeys)
        var costs = base
        if let cores = try map.optional("cores") { costs.cores = try cores.integer(in: 1...NodeCosts.coresMax) }
        if let loops = try map.optional("event_loops") {
            costs.eventLoops = try loops.integer(in: 0...NodeCosts.coresMax)
        }
        if let scale = try map.optional("cpu_scale") { costs.cpuScale = try decodeHostScale(scale, "speed") }
        if let scale = try map.optional("write_scale") {
            costs.writeScale = try decodeHostScale(scale, "speed at socket writes")
        }
        if let limit = try map.optional("write_queue_max") {
            costs.writeQueueMax = try limit.integer(in: 1...1_000_000)
        }
        if map.entries.contains(where: { $0.key == legacy }) {
            let both = try map.exactlyOne(of: [legacy, "per_message"], what: "the per-message cost")
            costs.perMessage = try decodeDurationDistribution(both.value)
        }
        for key in NodeCosts.termKeys {
            if let term = try map.optional(key) { costs[term: key] = try decodeDurationDistribution(term) }
        }
        return costs
    }

    /// `cpu_scale` or `write_scale`: a factor in `NodeCosts.cpuScaleRange`.
    private func decodeHostScale(_ scale: YAMLValue, _ what: String) throws -> Double {
        let factor = try scale.number()
        guard NodeCosts.cpuScaleRange.contains(factor) else {
            throw scale.error(.invalidValue, "expected a number from \(NodeCosts.cpuScaleRange.lowerBound.plain) to "
                + "\(NodeCosts.cpuScaleRange.upperBound.plain) (this host's \(what) against the defaults' machine), "
                + "found \(factor.plain)")
        }
        return factor
    }

    private func decodeLink(_ value: YAMLValue, default link: LinkSettings) throws -> LinkSettings {
        let map = try value.mapping(allowing: ["latency", "loss"])
        var settings = link
        if let latency = try map.optional("latency") {
            settings.latency = try decodeDurationDistribution(latency)
        }
        if let loss = try map.optional("loss") {
            settings.loss = try loss.probability()
        }
        return settings
    }
}
