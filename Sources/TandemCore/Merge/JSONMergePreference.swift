/// Which side's value lands in a merge result where the two sides conflict.
///
/// Shared by `JSONMerge` (per key path) and `ListMerge` (per item). It only picks the value that is
/// written; the conflict is reported either way, so a `manual` field can still ask a person.
public enum JSONMergePreference: String, Sendable, Hashable, CaseIterable {
    /// The incoming change wins: the value the sender made against the base.
    case local
    /// What was committed since the base wins.
    case remote
}

extension JSONMergePreference {
    /// The preferred one of two conflicting values (`nil` stands for an absent key or item).
    func choose(local: JSONValue?, remote: JSONValue?) -> JSONValue? {
        switch self {
        case .local: return local
        case .remote: return remote
        }
    }
}
