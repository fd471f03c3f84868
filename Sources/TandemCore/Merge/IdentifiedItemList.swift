/// A validated `list` field value: its items in order, each with its id, and a lookup from id to index.
///
/// Internal to `ListMerge`. The lookup dictionary is only ever queried, never iterated, so its
/// per-process order cannot leak into a result.
struct IdentifiedItemList {
    /// The item ids, in list order.
    let ids: [JSONValue]
    /// The items, in list order (`items[i]` has id `ids[i]`).
    let items: [JSONValue]
    private let indexByID: [JSONValue: Int]

    /// Validates `value`; `side` (`"local"`, …) prefixes error messages when set.
    init(_ value: JSONValue, side: String?) throws(ListMergeError) {
        let prefix = side.map { "\($0): " } ?? ""
        guard case .array(let items) = value else {
            throw ListMergeError(
                code: .notAnArray, index: nil, message: "\(prefix)a list value must be an array, not \(value.typeName)")
        }
        var ids: [JSONValue] = []
        var indexByID: [JSONValue: Int] = [:]
        for (index, item) in items.enumerated() {
            let id = try Self.id(of: item, at: index, prefix: prefix)
            if let earlier = indexByID[id] {
                throw ListMergeError(
                    code: .duplicateID, index: index,
                    message:
                        "\(prefix)item at index \(index) has id \(Self.describe(id)), already used at index \(earlier)")
            }
            indexByID[id] = index
            ids.append(id)
        }
        self.ids = ids
        self.items = items
        self.indexByID = indexByID
    }

    func contains(_ id: JSONValue) -> Bool { indexByID[id] != nil }

    /// The item with `id`, or `nil` when this list has none.
    func item(_ id: JSONValue) -> JSONValue? { indexByID[id].map { items[$0] } }

    private static func id(of item: JSONValue, at index: Int, prefix: String) throws(ListMergeError) -> JSONValue {
        guard case .object(let members) = item else {
            throw ListMergeError(
                code: .itemNotAnObject, index: index,
                message: "\(prefix)item at index \(index) must be an object, not \(item.typeName)")
        }
        guard let id = members["id"] else {
            throw ListMergeError(
                code: .missingID, index: index, message: "\(prefix)item at index \(index) has no \"id\"")
        }
        switch id {
        case .string: return id
        case .number where id.intValue != nil: return id
        default:
            throw ListMergeError(
                code: .invalidID, index: index,
                message: "\(prefix)item at index \(index) has an invalid id (\(id.typeName)): "
                    + "an id is a string or an integer")
        }
    }

    /// An id as it would appear in JSON, for error messages (ids are strings or integers).
    static func describe(_ id: JSONValue) -> String {
        if let string = id.stringValue { return "\"\(string)\"" }
        if let integer = id.intValue { return String(integer) }
        return id.typeName
    }
}
