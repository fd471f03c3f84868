import Yams

/// Turns Yams's duplicate-key error, which gives only the first occurrence, into a located error that names
/// the second occurrence's line and the key path.
///
/// Yams rejects duplicate keys while composing, before any tree exists to take a path from. So the locator
/// renames the first occurrence in a copy of the text, composes the copy, and finds the mapping holding
/// both keys. When that fails (three copies, odd quoting), the caller falls back to Yams's own mark.
enum DuplicateKeyLocator {
    private static let marker = "tandem-first-occurrence-of-"

    static func locate(_ error: YamlError, yaml: String, file: String) -> ScenarioError? {
        guard case .duplicatedKeysInMapping(let duplicates, let context) = error, let key = duplicates.first,
            let renamed = insert(marker, atLine: context.mark.line, column: context.mark.column, in: yaml),
            let root = try? Yams.compose(yaml: renamed),
            let (path, mark) = find(key: key, in: root, path: "")
        else { return nil }
        return ScenarioError(
            code: .duplicateKey, file: file, line: mark.line, column: mark.column, keyPath: path,
            message: "duplicate key '\(key)' (first defined at line \(context.mark.line))")
    }

    /// `text` with `prefix` inserted at a 1-based line and column (counted in Unicode scalars), after an
    /// opening quote if the key is quoted there.
    private static func insert(_ prefix: String, atLine line: Int, column: Int, in text: String) -> String? {
        var scalars = Array(text.unicodeScalars)
        var index = 0
        var currentLine = 1
        while currentLine < line {
            guard let newline = scalars[index...].firstIndex(of: "\n") else { return nil }
            index = newline + 1
            currentLine += 1
        }
        index += column - 1
        guard index < scalars.count else { return nil }
        if scalars[index] == "\"" || scalars[index] == "'" { index += 1 }
        scalars.insert(contentsOf: prefix.unicodeScalars, at: index)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    /// The key path and mark of the entry `key` in the mapping that also holds the renamed first occurrence.
    private static func find(key: String, in node: Node, path: String) -> (String, Mark)? {
        switch node {
        case .mapping(let mapping):
            let keys = mapping.map { $0.key.string ?? "" }
            if keys.contains(marker + key), let entry = mapping.first(where: { $0.key.string == key }),
                let mark = entry.key.mark
            {
                return (path.isEmpty ? key : "\(path).\(key)", mark)
            }
            for (keyNode, value) in mapping {
                let name = keyNode.string ?? ""
                if let found = find(key: key, in: value, path: path.isEmpty ? name : "\(path).\(name)") {
                    return found
                }
            }
            return nil
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = find(key: key, in: item, path: "\(path)[\(index)]") { return found }
            }
            return nil
        case .scalar, .alias:
            return nil
        }
    }
}
