/// `ack`: a `field_change` was committed at `version`; for text, `op` is the transformed op as committed.
public struct Ack: Sendable, Hashable {
    public var rid: RequestID?
    public var version: Int
    public var op: JSONValue?
    /// The committed change's id (`change_id`, Tandem's extension).
    public var changeID: String?
    /// For non-text fields, the value as committed (Tandem's extension): a merge may have combined the
    /// sender's value with concurrent changes, and the sender must show what everyone else sees.
    public var value: JSONValue?

    public init(rid: RequestID?, version: Int, op: JSONValue? = nil, changeID: String? = nil, value: JSONValue? = nil) {
        self.rid = rid
        self.version = version
        self.op = op
        self.changeID = changeID
        self.value = value
    }
}
