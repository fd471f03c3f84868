import Yams

/// A YAML node of the configuration file with its key path, whose typed accessors throw a located
/// `ConfigurationError` (file, line, key) instead of a bare parse failure.
struct ConfigValue {
    let node: Node
    let path: String
    let file: String

    var line: Int { node.mark?.line ?? 0 }

    func error(_ message: String, key: String? = nil) -> ConfigurationError {
        ConfigurationError(file: file, line: line, key: key ?? path, message: message)
    }

    func child(_ node: Node, key: String) -> ConfigValue {
        ConfigValue(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private var found: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull ? "nothing" : "'\(scalar.string)'"
        }
    }

    func text() throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected text, found \(found)") }
        return scalar.string
    }

    func integer(in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let raw = try text()
        guard let value = Int(raw.filter { $0 != "_" }) else { throw error("expected a whole number, found '\(raw)'") }
        guard range.contains(value) else {
            throw error("\(value) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    func number(in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        let raw = try text()
        guard let value = Double(raw.filter { $0 != "_" }), value.isFinite else {
            throw error("expected a number, found '\(raw)'")
        }
        guard range.contains(value) else {
            throw error("\(raw) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// True for a plain `false`/`no`/`off` (a setting that is either a value or switched off).
    var isFalse: Bool {
        guard case .scalar(let scalar) = node else { return false }
        return ["false", "no", "off"].contains(scalar.string.lowercased())
    }

    func bool() throws(ConfigurationError) -> Bool {
        switch try text().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("expected true or false, found '\(other)'")
        }
    }

    func duration() throws(ConfigurationError) -> Duration {
        let raw = try text()
        guard let value = ServerDurationText.parsePositive(raw) else {
            throw error("expected \(ServerDurationText.positiveExpectation), found '\(raw)'")
        }
        return value
    }

    func list() throws(ConfigurationError) -> [ConfigValue] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(found)") }
        return sequence.enumerated().map { child($0.element, key: "\($0.offset)") }
    }

    func strings() throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try list() { result.append(try item.text()) }
        return result
    }

    /// The entries of a mapping in file order; keys outside `allowed` (when given) are an error at that key.
    func mapping(allowed: [String]? = nil) throws(ConfigurationError) -> [(key: String, value: ConfigValue)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(found)") }
        var entries: [(key: String, value: ConfigValue)] = []
        for (keyNode, valueNode) in mapping {
            let key = keyNode.string ?? ""
            let value = child(valueNode, key: key)
            if let allowed, !allowed.contains(key) {
                throw ConfigurationError(
                    file: file,
                    line: keyNode.mark?.line ?? line,
                    key: value.path,
                    message: "unknown key '\(key)'; expected one of \(allowed.joined(separator: ", "))"
                )
            }
            entries.append((key, value))
        }
        return entries
    }
}
