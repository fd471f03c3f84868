import OrderedCollections

/// A collaborative model: a name and its fields in declaration order (the `Contact` of an admin app).
public struct ModelSchema: Sendable, Hashable {
    public var name: String
    public var fields: OrderedDictionary<String, FieldSchema>

    public init(name: String, fields: [FieldSchema]) {
        self.name = name
        self.fields = [:]
        for field in fields {
            precondition(self.fields[field.name] == nil, "model \(name) declares field \(field.name) twice")
            self.fields[field.name] = field
        }
    }

    public func field(_ name: String) -> FieldSchema? { fields[name] }

    /// A stored record with every field of the model present: fields nobody wrote get their defaults.
    /// Stores keep only what was written, so the same record reads the same whatever the schema's defaults.
    /// A deleted record has no fields and stays so.
    public func completing(_ record: RecordState) -> RecordState {
        if record.deleted { return record }
        var record = record
        for (name, field) in fields where record.fields[name] == nil {
            record.fields[name] = field.defaultValue
            record.fieldVersions[name] = 0
        }
        return record
    }

    /// A record of this model before anyone has written to it: every field at its default, version 0.
    public func emptyRecord(id: String) -> RecordState {
        var values: [String: JSONValue] = [:]
        var versions: [String: Int] = [:]
        for (name, field) in fields {
            values[name] = field.defaultValue
            versions[name] = 0
        }
        return RecordState(key: RecordKey(model: name, recordID: id), version: 0, fields: values, fieldVersions: versions)
    }
}

/// The set of models a deployment collaborates on, looked up by name.
public struct ModelRegistry: Sendable, Hashable {
    public private(set) var models: OrderedDictionary<String, ModelSchema>

    public init(_ models: [ModelSchema]) {
        self.models = [:]
        for model in models { self.models[model.name] = model }
    }

    public subscript(name: String) -> ModelSchema? { models[name] }

    /// The demo configuration: a `Contact` with one field of each type, `name` under the manual policy
    /// and `salary` restricted.
    public static let demo = ModelRegistry([
        ModelSchema(name: "Contact", fields: [
            FieldSchema(name: "name", type: .string, policy: .manual),
            FieldSchema(name: "notes", type: .text),
            FieldSchema(name: "age", type: .number),
            FieldSchema(name: "active", type: .bool),
            FieldSchema(name: "birthday", type: .datetime),
            FieldSchema(name: "settings", type: .json),
            FieldSchema(name: "tags", type: .list),
            FieldSchema(name: "salary", type: .number, restricted: true),
        ]),
    ])
}
