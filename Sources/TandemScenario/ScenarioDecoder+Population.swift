extension ScenarioDecoder {
    /// Endpoint keywords a group may not be named after, so partition endpoints stay unambiguous.
    static let reservedGroupNames = ["broker", "store", "clients"]

    func decodeModels(_ value: YAMLValue) throws -> [ModelSpec] {
        var models = [ModelSpec]()
        for item in try value.list() {
            let map = try item.mapping(allowing: ["name", "fields", "policies"])
            let nameValue = try map.required("name")
            let name = try nameValue.identifier(what: "a model name")
            guard !models.contains(where: { $0.name == name }) else {
                throw nameValue.error(.invalidValue, "a model named '\(name)' is already defined")
            }
            var fields = [FieldSpec]()
            let fieldsMap = try map.required("fields").anyMapping()
            guard !fieldsMap.entries.isEmpty else {
                throw fieldsMap.owner.error(.invalidValue, "a model needs at least one field")
            }
            for entry in fieldsMap.entries {
                _ = try entry.keyNode.identifier(what: "a field name")
                let type = try Self.oneOf(entry.value, FieldType.self, what: "field type")
                fields.append(FieldSpec(name: entry.key, type: type))
            }
            if let policies = try map.optional("policies") {
                let fieldNames = fields.map(\.name)
                for entry in try policies.anyMapping().entries {
                    guard let index = fieldNames.firstIndex(of: entry.key) else {
                        throw entry.keyError(.unknownReference, "model '\(name)' has no field '\(entry.key)'"
                            + YAMLValue.hint(entry.key, among: fieldNames))
                    }
                    let policy = try Self.oneOf(entry.value, FieldPolicy.self, what: "conflict policy")
                    guard policy.applies(to: fields[index].type) else {
                        throw entry.value.error(.invalidValue, "policy \(policy.rawValue) does not apply to a "
                            + "\(fields[index].type.rawValue) field")
                    }
                    fields[index].policy = policy
                }
            }
            models.append(ModelSpec(name: name, fields: fields))
        }
        return models
    }

    func decodePopulation(_ value: YAMLValue, models: [ModelSpec], topology: Topology) throws -> [PopulationGroup] {
        var groups = [PopulationGroup]()
        var userCount = 0
        for item in try value.list() {
            let map = try item.mapping(allowing: ["group", "users", "placement", "records", "behavior"])
            let nameValue = try map.required("group")
            let name = try nameValue.identifier(what: "a group name")
            guard !Self.reservedGroupNames.contains(name), NodeID(name: name) == nil else {
                throw nameValue.error(.invalidValue, "'\(name)' names a partition endpoint; pick another group name")
            }
            guard !groups.contains(where: { $0.name == name }) else {
                throw nameValue.error(.invalidValue, "a group named '\(name)' is already defined")
            }
            let usersValue = try map.required("users")
            let users = try usersValue.integer(in: 1...PopulationGroup.userCountMax)
            userCount += users
            guard userCount <= PopulationGroup.userCountMax else {
                throw usersValue.error(
                    .invalidValue, "a scenario may hold at most \(PopulationGroup.userCountMax) users")
            }
            let placement = try map.optional("placement").map { try decodePlacement($0, topology: topology) }
                ?? .roundRobin
            let (records, model) = try decodeRecords(map.required("records"), models: models)
            let behavior = try decodeBehavior(map.required("behavior"), model: model)
            groups.append(PopulationGroup(name: name, userCount: users, placement: placement, records: records,
                                          behavior: behavior))
        }
        return groups
    }

    private func decodePlacement(_ value: YAMLValue, topology: Topology) throws -> Placement {
        if case .mapping = value.node {
            return .pinned(try Self.node(value.mapping(allowing: ["pin"]).required("pin"), topology: topology))
        }
        switch try value.scalarText(expected: "a placement") {
        case "round_robin": return .roundRobin
        case "random": return .random
        case let text:
            throw value.error(.invalidValue, "unknown placement '\(text)'"
                + YAMLValue.hint(text, among: ["round_robin", "random"]) + " (or {pin: node-N})")
        }
    }

    private func decodeRecords(_ value: YAMLValue, models: [ModelSpec]) throws -> (RecordSelection, ModelSpec) {
        let map = try value.mapping(allowing: ["model", "count", "pick"])
        let modelValue = try map.required("model")
        let modelName = try modelValue.scalarText(expected: "a model name")
        guard let model = models.first(where: { $0.name == modelName }) else {
            throw modelValue.error(.unknownReference, "unknown model '\(modelName)'"
                + YAMLValue.hint(modelName, among: models.map(\.name)))
        }
        let count = try map.required("count").integer(in: 1...RecordSelection.recordCountMax)
        var pick: Distribution?
        if let pickValue = try map.optional("pick") {
            let distribution = try decodeDistribution(
                pickValue, quantity: .number, allowed: ["fixed", "uniform", "zipf"], minimum: 1)
            let largest: Double? = switch distribution {
            case .fixed(let value): value
            case .uniform(_, let upper): upper
            default: nil
            }
            if let largest, largest > Double(count) {
                throw pickValue.error(.invalidValue, "pick reaches record \(largest.plain), but count is \(count)")
            }
            pick = distribution
        }
        return (RecordSelection(model: model.name, count: count, pick: pick), model)
    }

    private func decodeBehavior(_ value: YAMLValue, model: ModelSpec) throws -> Behavior {
        let map = try value.mapping(allowing: ["think_time", "actions", "typing", "fields"])
        var fields: [FieldSpec] = model.fields
        var fieldNames: [String]?
        if let fieldsValue = try map.optional("fields") {
            var names = [String]()
            for item in try fieldsValue.list() {
                let name = try item.scalarText(expected: "a field name")
                guard let field = model.field(named: name) else {
                    throw item.error(.unknownReference, "model '\(model.name)' has no field '\(name)'"
                        + YAMLValue.hint(name, among: model.fields.map(\.name)))
                }
                names.append(field.name)
            }
            fields = model.fields.filter { names.contains($0.name) }
            fieldNames = names
        }
        let thinkTime = try map.optional("think_time").map(decodeDurationDistribution) ?? Behavior.defaultThinkTime
        let actions = try decodeActions(map.required("actions"), fields: fields, model: model)
        var typing = Typing()
        if let typingValue = try map.optional("typing") {
            let typingMap = try typingValue.mapping(allowing: ["chars_per_burst", "debounce"])
            if let burst = try typingMap.optional("chars_per_burst") {
                typing.charactersPerBurst = try decodeDistribution(
                    burst, quantity: .number, allowed: Self.continuousKeys, minimum: 1)
            }
            if let debounce = try typingMap.optional("debounce") {
                typing.debounce = try debounce.duration(allowZero: true)
            }
        }
        return Behavior(thinkTime: thinkTime, actions: actions, typing: typing, fields: fieldNames)
    }

    private func decodeActions(_ value: YAMLValue, fields: [FieldSpec], model: ModelSpec) throws -> [ActionWeight] {
        let map = try value.mapping(allowing: ActionKind.allCases.map(\.rawValue))
        var weights = ActionKind.allCases.map { ActionWeight(kind: $0, weight: 0) }
        for entry in map.entries {
            let weight = try entry.value.positiveNumber(allowZero: true)
            guard let index = weights.firstIndex(where: { $0.kind.rawValue == entry.key }) else { continue }
            weights[index].weight = weight
            let kind = weights[index].kind
            if weight > 0, kind.needsTextField, !fields.contains(where: { $0.type == .text }) {
                throw entry.keyError(.invalidValue, "\(kind.rawValue) needs a text field, and model "
                    + "'\(model.name)' has none among the fields this group edits")
            }
            if weight > 0, kind == .setField, !fields.contains(where: { $0.type != .text }) {
                throw entry.keyError(.invalidValue, "set_field needs a non-text field, and model "
                    + "'\(model.name)' has none among the fields this group edits")
            }
        }
        guard weights.reduce(0, { $0 + $1.weight }) > 0 else {
            throw value.error(.invalidValue, "action weights must add up to more than 0")
        }
        return weights
    }
}
