import TandemCore

/// A record model users edit: a name and its typed fields, each with its conflict policy resolved.
///
/// In a file: `{name: Contact, fields: {name: string, notes: text}, policies: {name: manual}}`.
/// Fields keep file order. A field absent from `policies` gets ``FieldPolicy/defaultPolicy(for:)``.
public struct ModelSpec: Sendable, Equatable {
    /// The model's name, unique in a scenario; `records.model` refers to it.
    public var name: String
    /// The fields in file order.
    public var fields: [FieldSpec]

    public init(name: String, fields: [FieldSpec]) {
        self.name = name
        self.fields = fields
    }

    /// The field named `name`, if the model has it.
    public func field(named name: String) -> FieldSpec? { fields.first { $0.name == name } }
}

/// One field of a model: its name, its value type and how concurrent writes to it are reconciled.
public struct FieldSpec: Sendable, Equatable {
    public var name: String
    public var type: FieldType
    /// The policy from the file's `policies`, or the type's default.
    public var policy: FieldPolicy

    public init(name: String, type: FieldType, policy: FieldPolicy? = nil) {
        self.name = name
        self.type = type
        self.policy = policy ?? FieldPolicy.defaultPolicy(for: type)
    }
}

/// The value type of a field: the engine's own `FieldType` (one concept, one place).
public typealias FieldType = TandemCore.FieldType

/// How a field reconciles concurrent writes.
///
/// In files: `last_writer_wins`, `manual`, `operational_transform` (text only), `merge` (json and list only).
public enum FieldPolicy: String, Sendable, Equatable, CaseIterable {
    /// The write later in the record's version order wins; the other is reported as auto-resolved.
    case lastWriterWins = "last_writer_wins"
    /// Concurrent writes are kept as a conflict for a person to resolve.
    case manual
    /// Concurrent text edits are transformed against each other (ot.js semantics).
    case operationalTransform = "operational_transform"
    /// Concurrent JSON or list edits are merged structurally.
    case merge

    /// The policy a field of `type` gets when the file names none:
    /// text → operational transform, json and list → merge, every scalar type → last writer wins.
    public static func defaultPolicy(for type: FieldType) -> FieldPolicy {
        switch type {
        case .text: .operationalTransform
        case .json, .list: .merge
        case .string, .number, .bool, .datetime: .lastWriterWins
        }
    }

    /// Whether a field of `type` may use this policy.
    public func applies(to type: FieldType) -> Bool {
        switch self {
        case .lastWriterWins, .manual: true
        case .operationalTransform: type == .text
        case .merge: type == .json || type == .list
        }
    }
}
