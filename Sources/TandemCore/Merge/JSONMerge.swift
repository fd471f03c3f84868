/// The three-way merge of a `json` field: two concurrent changes of one base, merged key path by key path.
///
/// `local` is the incoming change, made against `base`; `remote` is what was committed since `base`.
/// At each key path the merge looks at the three values found there (a missing key counts as a value,
/// "absent") and applies these rules, in order:
///
/// 1. Both sides hold the same value (both unchanged, the same change made twice, or both deleted):
///    that value, taken once.
/// 2. Only one side differs from the base (a key added, changed or removed on one side): that side's value.
/// 3. Base, local and remote are all objects: merge them member by member with these same rules,
///    walking the union of their keys in sorted order.
/// 4. Otherwise both sides changed the path, differently: a conflict at that path. This covers two
///    different values, delete versus modify, the same key added with different values, and any
///    type change (object versus non-object), which is compared atomically at that path.
///
/// Arrays and scalars are atomic: a change anywhere inside an array replaces the whole array. (List
/// fields, whose arrays hold items with ids, merge with `ListMerge` instead.) At a conflict the value
/// named by `onConflict` lands in `merged` (an absent value removes the key) and a `JSONMergeConflict`
/// is reported. Conflicts come in sorted key order, depth first, so the result never depends on
/// dictionary order, which Swift seeds per process.
public enum JSONMerge {
    /// Merges `local` and `remote`, two changes of `base`; see the type's rules.
    public static func merge(
        base: JSONValue,
        local: JSONValue,
        remote: JSONValue,
        onConflict preference: JSONMergePreference
    ) -> JSONMergeResult {
        var conflicts: [JSONMergeConflict] = []
        let merged = mergeValue(
            at: [], base: base, local: local, remote: remote, preference: preference, conflicts: &conflicts)
        guard let merged else { preconditionFailure("a merge of two present values must be present") }
        return JSONMergeResult(merged: merged, conflicts: conflicts)
    }

    /// The merged value at one key path; `nil` means the key is absent from the result.
    private static func mergeValue(
        at path: [String],
        base: JSONValue?,
        local: JSONValue?,
        remote: JSONValue?,
        preference: JSONMergePreference,
        conflicts: inout [JSONMergeConflict]
    ) -> JSONValue? {
        if local == remote { return local }
        if local == base { return remote }
        if remote == base { return local }
        if case .object(let baseMembers)? = base, case .object(let localMembers)? = local,
            case .object(let remoteMembers)? = remote
        {
            return .object(
                mergeMembers(
                    at: path, base: baseMembers, local: localMembers, remote: remoteMembers,
                    preference: preference, conflicts: &conflicts))
        }
        conflicts.append(JSONMergeConflict(path: path, base: base, local: local, remote: remote))
        return preference.choose(local: local, remote: remote)
    }

    /// Merges three objects member by member, in sorted key order so conflicts are reported deterministically.
    private static func mergeMembers(
        at path: [String],
        base: [String: JSONValue],
        local: [String: JSONValue],
        remote: [String: JSONValue],
        preference: JSONMergePreference,
        conflicts: inout [JSONMergeConflict]
    ) -> [String: JSONValue] {
        let keys = Set(base.keys).union(local.keys).union(remote.keys).sorted()
        var merged: [String: JSONValue] = [:]
        for key in keys {
            merged[key] = mergeValue(
                at: path + [key], base: base[key], local: local[key], remote: remote[key],
                preference: preference, conflicts: &conflicts)
        }
        return merged
    }
}
