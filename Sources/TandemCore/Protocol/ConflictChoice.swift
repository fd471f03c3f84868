/// How a manual conflict is settled; raw values are the wire strings.
///
/// `merged` is the only choice that carries a value of its own (`ResolveConflict.value`).
public enum ConflictChoice: String, Sendable, Hashable, CaseIterable {
    case local
    case remote
    case merged
}
