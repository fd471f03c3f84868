/// The three-way merge of a `list` field: a JSON array of objects, each with a unique `"id"`.
///
/// Unlike `JSONMerge`, which treats arrays as atomic, this merge follows items by id, so concurrent
/// inserts both survive and a delete removes that item only. `local` is the incoming change, made
/// against `base`; `remote` is what was committed since `base`. An item's id is its `"id"` member, a
/// string or an integer number, unique within its list.
///
/// Each item (by id, absent counting as a value) is decided as a whole, never member by member:
///
/// 1. Both sides hold the same version (unchanged, the same change twice, or deleted on both): that one.
/// 2. Only one side differs from the base (inserted, modified or deleted on one side): that side's version.
/// 3. Otherwise (modified differently on both sides, modified on one side and deleted on the other, or
///    the same new id inserted with different contents): a conflict, reported with the item's id; the
///    version named by `onConflict` lands in the result (a deleted version leaves the item out).
///
/// Order follows remote. Each kept item that remote lacks (a local insert, or an item remote deleted
/// that the conflict rule keeps) is placed, in local order, right after its nearest preceding item in
/// the local list that is in the result, or at the front when there is none, then past any items absent
/// from the local list. So when both sides inserted at one place, remote's items come first, then local's.
/// A reorder on the local side alone is not merged. Conflicts come in order of the items' first
/// appearance in base, then remote, then local.
///
/// Placing items is quadratic in the list length; list values are bounded by the frame size limit.
public enum ListMerge {
    /// Merges `local` and `remote`, two changes of `base`; see the type's rules.
    ///
    /// - Throws: `ListMergeError` when an input is not an array of objects with valid, unique ids; the
    ///   message names the input and the index of the offending item.
    public static func merge(
        base: JSONValue,
        local: JSONValue,
        remote: JSONValue,
        onConflict preference: JSONMergePreference
    ) throws(ListMergeError) -> ListMergeResult {
        let baseList = try IdentifiedItemList(base, side: "base")
        let localList = try IdentifiedItemList(local, side: "local")
        let remoteList = try IdentifiedItemList(remote, side: "remote")

        var conflicts: [ListMergeConflict] = []
        var keptItems: [JSONValue: JSONValue] = [:]
        for id in unionOfIDs(baseList, remoteList, localList) {
            let baseItem = baseList.item(id)
            let localItem = localList.item(id)
            let remoteItem = remoteList.item(id)
            if localItem == remoteItem {
                keptItems[id] = localItem
            } else if localItem == baseItem {
                keptItems[id] = remoteItem
            } else if remoteItem == baseItem {
                keptItems[id] = localItem
            } else {
                conflicts.append(ListMergeConflict(itemID: id, base: baseItem, local: localItem, remote: remoteItem))
                keptItems[id] = preference.choose(local: localItem, remote: remoteItem)
            }
        }

        let order = mergedOrder(local: localList, remote: remoteList, isKept: { keptItems[$0] != nil })
        let merged = order.map { id in
            guard let item = keptItems[id] else { preconditionFailure("an ordered id must be a kept item") }
            return item
        }
        return ListMergeResult(merged: .array(merged), conflicts: conflicts)
    }

    /// Checks that `value` is a list field value: an array of objects whose `"id"` members are strings
    /// or integer numbers, unique within the array.
    ///
    /// - Throws: `ListMergeError` naming the index of the first offending item.
    public static func validate(_ value: JSONValue) throws(ListMergeError) {
        _ = try IdentifiedItemList(value, side: nil)
    }

    /// Every id of the three lists once: base's in base order, then remote's new ones, then local's.
    private static func unionOfIDs(
        _ first: IdentifiedItemList, _ second: IdentifiedItemList, _ third: IdentifiedItemList
    ) -> [JSONValue] {
        var seen: Set<JSONValue> = []
        var ids: [JSONValue] = []
        for id in first.ids + second.ids + third.ids where seen.insert(id).inserted {
            ids.append(id)
        }
        return ids
    }

    /// The ids of the kept items in result order: remote's order, with the kept items remote lacks
    /// placed after their nearest preceding local neighbour in the result, past items absent from local.
    private static func mergedOrder(
        local: IdentifiedItemList,
        remote: IdentifiedItemList,
        isKept: (JSONValue) -> Bool
    ) -> [JSONValue] {
        var order = remote.ids.filter(isKept)
        for (localIndex, id) in local.ids.enumerated() where isKept(id) && !remote.contains(id) {
            // Items are placed in local order, so every kept item before this one is in `order` already.
            var position = 0
            if let anchor = local.ids[..<localIndex].last(where: isKept) {
                guard let anchorPosition = order.firstIndex(of: anchor) else {
                    preconditionFailure("a kept item before this one must be placed already")
                }
                position = anchorPosition + 1
            }
            while position < order.count, !local.contains(order[position]) {
                position += 1
            }
            order.insert(id, at: position)
        }
        return order
    }
}
