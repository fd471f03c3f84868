/// What a committed change does to its record: the seed's `ab_model_change_log.change_type`.
///
/// `insert` is the first change of a record (or the first after a deletion, which re-creates it), `update`
/// every later field change, and `delete` removes the record as a whole: it takes the next version like any
/// other change, clears every field, and ends editing until the record is created again.
public enum ChangeKind: String, Sendable, Hashable, CaseIterable {
    case insert
    case update
    case delete

    /// The column value of `ab_model_change_log.change_type` (`INSERT`, `UPDATE`, `DELETE`).
    public var columnValue: String { rawValue.uppercased() }

    public init?(columnValue: String) {
        self.init(rawValue: columnValue.lowercased())
    }
}
