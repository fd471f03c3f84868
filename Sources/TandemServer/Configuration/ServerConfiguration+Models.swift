import TandemCore

extension ServerConfiguration {
    /// The keys of a field's mapping form (`{type, policy, restricted}`).
    static let fieldSpecKeys = ["type", "policy", "restricted"]

    /// `models:` — each model maps field names to a type name, or to `{type, policy, restricted}`.
    static func decodeModels(_ section: ConfigValue) throws(ConfigurationError) -> ModelRegistry {
        var models: [ModelSchema] = []
        for (name, body) in try section.mapping() {
            guard isIdentifier(name) else {
                throw body.error("a model name may hold letters, digits, '-', '_' and '.'")
            }
            var fields: [FieldSchema] = []
            for (fieldName, spec) in try body.mapping() {
                guard isIdentifier(fieldName) else {
                    throw spec.error("a field name may hold letters, digits, '-', '_' and '.'")
                }
                fields.append(try decodeField(fieldName, spec))
            }
            guard !fields.isEmpty else { throw body.error("model \(name) declares no fields") }
            models.append(ModelSchema(name: name, fields: fields))
        }
        guard !models.isEmpty else {
            throw section.error("declare at least one model, or leave 'models' out for the demo")
        }
        return ModelRegistry(models)
    }

    private static func decodeField(_ name: String, _ spec: ConfigValue) throws(ConfigurationError) -> FieldSchema {
        if case .scalar = spec.node {
            return FieldSchema(name: name, type: try fieldType(spec))
        }
        var type: FieldType?
        var policy = ConflictPolicy.lastWriterWins
        var restricted = false
        for (key, value) in try spec.mapping(allowed: fieldSpecKeys) {
            switch key {
            case "type": type = try fieldType(value)
            case "policy":
                let raw = try value.text()
                guard let parsed = ConflictPolicy(rawValue: raw) else {
                    throw value.error("expected last_writer_wins or manual, found '\(raw)'")
                }
                policy = parsed
            default: restricted = try value.bool()
            }
        }
        guard let type else { throw spec.error("field \(name) needs a type") }
        return FieldSchema(name: name, type: type, policy: policy, restricted: restricted)
    }

    private static func fieldType(_ value: ConfigValue) throws(ConfigurationError) -> FieldType {
        let raw = try value.text()
        guard let type = FieldType(rawValue: raw) else {
            let names = FieldType.allCases.map(\.rawValue).joined(separator: ", ")
            throw value.error("unknown field type '\(raw)'; expected one of \(names)")
        }
        return type
    }

    /// `roles:` — each role lists grants as `"<permission> on <model or Model.field or *>"`. Roles named here
    /// replace the built-in `Admin`, `Editor` and `Viewer` of the same name; the others stay.
    static func decodeRoles(_ section: ConfigValue) throws(ConfigurationError) -> AccessPolicy {
        var roles = AccessPolicy.standard.roles
        for (name, grants) in try section.mapping() {
            var permissions = Set<Permission>()
            for grant in try grants.list() {
                permissions.insert(try permission(grant))
            }
            roles[name] = Role(name: name, permissions: permissions)
        }
        return AccessPolicy(roles: roles.keys.sorted().compactMap { roles[$0] })
    }

    private static func permission(_ value: ConfigValue) throws(ConfigurationError) -> Permission {
        let known = Permission.known
        let words = try value.text().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count == 3, words[1] == "on", known.contains(words[0]), !words[2].isEmpty else {
            throw value.error(
                "expected \"<permission> on <view>\" with a permission among \(known.joined(separator: ", ")), "
                    + "like \"can_edit on Contact\" or \"can_edit_field on Contact.salary\""
            )
        }
        return Permission(words[0], on: words[2])
    }
}
