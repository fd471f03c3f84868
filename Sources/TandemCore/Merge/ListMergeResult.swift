/// The outcome of a `ListMerge`: the merged list and every item that the two sides changed in conflicting ways.
///
/// `merged` is complete even when there are conflicts: each conflicting item holds the version that
/// `JSONMergePreference` chose, or is missing when the chosen side deleted it.
public struct ListMergeResult: Sendable, Hashable {
    /// The merged list, a JSON array of items with unique ids.
    public var merged: JSONValue
    /// The conflicting items, in order of first appearance in base, then remote, then local.
    public var conflicts: [ListMergeConflict]

    public init(merged: JSONValue, conflicts: [ListMergeConflict]) {
        self.merged = merged
        self.conflicts = conflicts
    }
}

/// One item of a `ListMerge` that both sides changed differently: modified twice, or modified and deleted.
///
/// The three values are the whole item as each input has it; `nil` means the item is absent there.
public struct ListMergeConflict: Sendable, Hashable {
    /// The item's `"id"` (a string or an integer number).
    public var itemID: JSONValue
    /// The item in the common base.
    public var base: JSONValue?
    /// The item in the incoming change.
    public var local: JSONValue?
    /// The item in what was committed since the base.
    public var remote: JSONValue?

    public init(itemID: JSONValue, base: JSONValue?, local: JSONValue?, remote: JSONValue?) {
        self.itemID = itemID
        self.base = base
        self.local = local
        self.remote = remote
    }
}
