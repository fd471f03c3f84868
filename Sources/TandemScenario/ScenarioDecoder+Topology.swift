extension ScenarioDecoder {
    func decodeTopology(_ value: YAMLValue) throws -> Topology {
        let map = try value.mapping(allowing: ["nodes", "broker", "store", "links", "node"])
        var topology = Topology()
        if let nodes = try map.optional("nodes") {
            topology.nodeCount = try nodes.integer(in: 1...Topology.nodeCountMax)
        }
        if let broker = try map.optional("broker") {
            let brokerMap = try broker.mapping(allowing: ["kind", "recovery"])
            topology.broker = try Self.oneOf(brokerMap.required("kind"), BrokerKind.self, what: "broker kind")
            if let recovery = try brokerMap.optional("recovery") { topology.brokerRecovery = try recovery.boolean() }
        }
        if let store = try map.optional("store") {
            let storeMap = try store.mapping(allowing: ["latency"])
            if let latency = try storeMap.optional("latency") {
                topology.storeLatency = try decodeDurationDistribution(latency)
            }
        }
        if let links = try map.optional("links") {
            let linksMap = try links.mapping(allowing: LinkKind.allCases.map(\.rawValue))
            let defaults = Links()
            func link(_ kind: LinkKind) throws -> LinkSettings {
                try linksMap.optional(kind.rawValue).map { try decodeLink($0, default: defaults[kind]) }
                    ?? defaults[kind]
            }
            topology.links = Links(
                clientNode: try link(.clientNode), nodeBroker: try link(.nodeBroker), nodeStore: try link(.nodeStore))
        }
        if let node = try map.optional("node") {
            let nodeMap = try node.mapping(allowing: ["cpu_per_message"])
            if let cpu = try nodeMap.optional("cpu_per_message") {
                topology.cpuPerMessage = try cpu.duration(allowZero: true)
            }
        }
        return topology
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
