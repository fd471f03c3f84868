extension ScenarioDecoder {
    static let faultKinds = [
        "partition", "latency_spike", "disconnect", "crash", "broker_outage", "loss", "delete_record",
    ]

    /// The most faults one scenario may inject.
    static let faultCountMax = 1_000

    func decodeFaults(_ value: YAMLValue, scenario: Scenario) throws -> [Fault] {
        let items = try value.list(allowEmpty: true)
        guard items.count <= Self.faultCountMax else {
            throw value.error(.invalidValue, "a scenario may inject at most \(Self.faultCountMax) faults")
        }
        return try items.map { try decodeFault($0, scenario: scenario) }
    }

    private func decodeFault(_ value: YAMLValue, scenario: Scenario) throws -> Fault {
        let map = try value.mapping(allowing: ["at"] + Self.faultKinds)
        let atValue = try map.required("at")
        let at = try atValue.duration(allowZero: true)
        guard at < scenario.duration else {
            throw atValue.error(.invalidValue, "the fault starts at \(DurationText.format(at)), not before the "
                + "end of the run's duration (\(DurationText.format(scenario.duration)))")
        }
        let entry = try map.exactlyOne(of: Self.faultKinds, what: "a fault kind")
        let body = entry.value
        /// Checks that a window starting at `at` and lasting the value of `key` ends by `duration`.
        func window(_ key: String, in map: YAMLMapping) throws -> Duration {
            let value = try map.required(key)
            let length = try value.duration()
            guard at + length <= scenario.duration else {
                throw value.error(.invalidValue, "the fault ends at \(DurationText.format(at + length)), after the "
                    + "run's duration (\(DurationText.format(scenario.duration))); settle must stay quiet")
            }
            return length
        }
        let kind: FaultKind
        switch entry.key {
        case "partition":
            let partition = try body.mapping(allowing: ["between", "and", "for"])
            let between = try decodeEndpoints(partition.required("between"), scenario: scenario)
            let andValue = try partition.required("and")
            let and = try decodeEndpoints(andValue, scenario: scenario)
            for left in between {
                for right in and where !left.isLinked(to: right) {
                    throw andValue.error(.invalidValue, "there is no link between \(left) and \(right) to cut; "
                        + "partitions cut client–node, node–broker and node–store links")
                }
            }
            kind = .partition(Partition(between: between, and: and, duration: try window("for", in: partition)))
        case "latency_spike":
            let spike = try body.mapping(allowing: ["link", "add", "for"])
            let link = try Self.oneOf(spike.required("link"), LinkKind.self, what: "link")
            let added = try spike.required("add").duration()
            kind = .latencySpike(LatencySpike(link: link, added: added, duration: try window("for", in: spike)))
        case "disconnect":
            kind = .disconnect(try decodeDisconnect(body, scenario: scenario))
        case "crash":
            let crash = try body.mapping(allowing: ["node", "restart_after"])
            let node = try Self.node(crash.required("node"), topology: scenario.topology)
            let restart = try crash.optional("restart_after") == nil ? nil : try window("restart_after", in: crash)
            kind = .crash(Crash(node: node, restartAfter: restart))
        case "broker_outage":
            kind = .brokerOutage(try window("for", in: body.mapping(allowing: ["for"])))
        case "delete_record":
            kind = .deleteRecord(try decodeRecordDeletion(body, scenario: scenario))
        default:
            let loss = try body.mapping(allowing: ["link", "rate", "for"])
            let link = try Self.oneOf(loss.required("link"), LinkKind.self, what: "link")
            let rate = try loss.required("rate").probability()
            kind = .loss(LinkLoss(link: link, rate: rate, duration: try window("for", in: loss)))
        }
        return Fault(at: at, kind: kind)
    }

    private func decodeRecordDeletion(_ value: YAMLValue, scenario: Scenario) throws -> RecordDeletion {
        let map = try value.mapping(allowing: ["model", "record", "via"])
        let edited = scenario.population.map(\.records.model)
        let model: String
        if let modelValue = try map.optional("model") {
            model = try modelValue.scalarText(expected: "a model name")
            guard edited.contains(model) else {
                throw modelValue.error(.unknownReference, "no population group edits records of '\(model)'"
                    + YAMLValue.hint(model, among: edited))
            }
        } else {
            guard let only = edited.first, edited.allSatisfy({ $0 == only }) else {
                throw value.error(.invalidValue, "name the record's model: the population edits \(Set(edited).sorted())")
            }
            model = only
        }
        let count = scenario.population.filter { $0.records.model == model }.map(\.records.count).max() ?? 1
        let recordValue = try map.required("record")
        let record = try recordValue.integer(in: 1...Int.max)
        guard record <= count else {
            throw recordValue.error(.invalidValue, "there is no record \(record): the population's \(model) records are "
                + "numbered 1…\(count)")
        }
        let via = try map.optional("via").map { try Self.node($0, topology: scenario.topology) } ?? NodeID(number: 1)
        return RecordDeletion(model: model, record: record, via: via)
    }

    private func decodeDisconnect(_ value: YAMLValue, scenario: Scenario) throws -> Disconnect {
        let map = try value.mapping(allowing: ["clients", "group", "reconnect_after"])
        var group: String?
        var available = scenario.totalUserCount
        if let groupValue = try map.optional("group") {
            let name = try groupValue.scalarText(expected: "a group name")
            guard let match = scenario.group(named: name) else {
                throw groupValue.error(.unknownReference, "unknown group '\(name)'"
                    + YAMLValue.hint(name, among: scenario.population.map(\.name)))
            }
            group = name
            available = match.userCount
        }
        let clientsValue = try map.required("clients")
        let text = try clientsValue.scalarText(expected: "a client count like 50% or 20")
        let clients: ClientCount
        if text.hasSuffix("%") {
            guard let percent = Double(text.dropLast().trimmingWhitespace()), percent > 0, percent <= 100 else {
                throw clientsValue.error(.invalidValue, "a share of clients must be within (0%, 100%], found '\(text)'")
            }
            clients = .percent(percent)
        } else {
            let count = try clientsValue.integer(in: 1...PopulationGroup.userCountMax)
            guard count <= available else {
                throw clientsValue.error(.invalidValue, "cannot disconnect \(count) clients: there are \(available)")
            }
            clients = .count(count)
        }
        let reconnect = try map.optional("reconnect_after").map(decodeDurationDistribution)
        return Disconnect(clients: clients, group: group, reconnectAfter: reconnect)
    }

    /// A list of partition endpoints (or a single one); duplicates are rejected.
    private func decodeEndpoints(_ value: YAMLValue, scenario: Scenario) throws -> [Endpoint] {
        var endpoints = [Endpoint]()
        for item in try value.list(allowSingle: true) {
            let text = try item.scalarText(expected: "an endpoint (node-N, broker, store, clients or a group)")
            let endpoint: Endpoint
            switch text {
            case "broker": endpoint = .broker
            case "store": endpoint = .store
            case "clients": endpoint = .allClients
            case _ where NodeID(name: text) != nil: endpoint = .node(try Self.node(item, topology: scenario.topology))
            case _ where scenario.group(named: text) != nil: endpoint = .clientGroup(text)
            default:
                let names = scenario.topology.nodes.map(\.description) + ["broker", "store", "clients"]
                    + scenario.population.map(\.name)
                throw item.error(.unknownReference, "unknown endpoint '\(text)'" + YAMLValue.hint(text, among: names))
            }
            guard !endpoints.contains(endpoint) else {
                throw item.error(.invalidValue, "'\(text)' is listed twice")
            }
            endpoints.append(endpoint)
        }
        return endpoints
    }
}
