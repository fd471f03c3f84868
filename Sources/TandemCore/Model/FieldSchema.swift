/// One named, typed field of a model, with its conflict policy and whether editing it needs a field grant.
public struct FieldSchema: Sendable, Hashable {
    public var name: String
    public var type: FieldType
    public var policy: ConflictPolicy
    /// A restricted field can be seen by anyone who can see the model, but edited only by users whose
    /// roles hold `can_edit_field` on `Model.field` (Flask-AppBuilder's permission-on-view shape).
    public var restricted: Bool
    public var defaultValue: JSONValue

    public init(
        name: String, type: FieldType, policy: ConflictPolicy = .lastWriterWins, restricted: Bool = false,
        defaultValue: JSONValue? = nil
    ) {
        self.name = name
        self.type = type
        self.policy = policy
        self.restricted = restricted
        self.defaultValue = defaultValue ?? type.defaultValue
    }
}
