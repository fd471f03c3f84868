/// A YAML mapping's entries in file order, with located lookups for required, optional and one-of keys.
struct YAMLMapping {
    /// One key and its value; `keyNode` locates the key itself for key errors.
    struct Entry {
        let key: String
        let keyNode: YAMLValue
        let value: YAMLValue

        /// An error located at the key (not the value), with the key's own path.
        func keyError(_ code: ScenarioError.Code, _ message: String) -> ScenarioError {
            keyNode.error(code, message, path: value.path)
        }
    }

    let owner: YAMLValue
    let entries: [Entry]

    /// The value of `key`, or nil when absent. A key written without a value (or `null`) is an error rather
    /// than a silent default: `seed:` with nothing after it is more likely a slip than a request for seed 0.
    func optional(_ key: String) throws -> YAMLValue? {
        guard let value = entries.first(where: { $0.key == key })?.value else { return nil }
        guard !value.isNull else {
            throw value.error(.missingKey, "'\(key)' needs a value; leave the key out to use the default")
        }
        return value
    }

    /// The value of `key`; a missing or null key is an error at the mapping (or at the null value).
    func required(_ key: String) throws -> YAMLValue {
        if let entry = entries.first(where: { $0.key == key }) {
            guard !entry.value.isNull else { throw entry.value.error(.missingKey, "'\(key)' needs a value") }
            return entry.value
        }
        let path = owner.path.isEmpty ? key : "\(owner.path).\(key)"
        throw owner.error(.missingKey, "missing required key '\(key)'", path: path)
    }

    /// The single entry whose key is one of `keys` (other keys, such as a fault's `at`, are ignored).
    func exactlyOne(of keys: [String], what: String) throws -> Entry {
        let matching = entries.filter { keys.contains($0.key) }
        guard let first = matching.first else {
            throw owner.error(.missingKey, "expected \(what): one of " + keys.joined(separator: ", "))
        }
        guard matching.count == 1 else {
            throw matching[1].keyError(.invalidValue, "only one of \(keys.joined(separator: ", ")) may be given, "
                + "found '\(first.key)' and '\(matching[1].key)'")
        }
        return first
    }
}
