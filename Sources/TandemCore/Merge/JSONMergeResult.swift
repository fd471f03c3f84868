/// The outcome of a `JSONMerge`: the merged value and every key path where the two sides conflicted.
///
/// `merged` is complete even when there are conflicts: at each conflicting path it holds the value
/// that `JSONMergePreference` chose. An empty `conflicts` means the merge was clean.
public struct JSONMergeResult: Sendable, Hashable {
    /// The merged value.
    public var merged: JSONValue
    /// The conflicting key paths, in sorted key order (depth first), never in dictionary order.
    public var conflicts: [JSONMergeConflict]

    public init(merged: JSONValue, conflicts: [JSONMergeConflict]) {
        self.merged = merged
        self.conflicts = conflicts
    }
}

/// One key path that both sides of a `JSONMerge` changed, to different values.
///
/// The three values are the ones found at `path` in each input; `nil` means the key is absent there
/// (never added, or deleted), so a delete-versus-modify conflict has `nil` on the deleting side.
public struct JSONMergeConflict: Sendable, Hashable {
    /// Object keys from the root down to the conflicting value; empty when the roots conflict.
    public var path: [String]
    /// The value at `path` in the common base.
    public var base: JSONValue?
    /// The value at `path` in the incoming change.
    public var local: JSONValue?
    /// The value at `path` in what was committed since the base.
    public var remote: JSONValue?

    public init(path: [String], base: JSONValue?, local: JSONValue?, remote: JSONValue?) {
        self.path = path
        self.base = base
        self.local = local
        self.remote = remote
    }
}
