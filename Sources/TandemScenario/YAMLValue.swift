import TandemReport
import Yams

/// A YAML node with its key path and file, whose typed accessors throw a located ``ScenarioError``.
///
/// The decoder never reads a `Node` directly: it goes through these accessors, so every error names the
/// file, line, column and key path of the value at fault.
struct YAMLValue {
    let node: Node
    let path: String
    let file: String

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    func error(_ code: ScenarioError.Code, _ message: String, path errorPath: String? = nil) -> ScenarioError {
        ScenarioError(code: code, file: file, line: line, column: column, keyPath: errorPath ?? path,
                      message: message)
    }

    func child(_ node: Node, key: String) -> YAMLValue {
        YAMLValue(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// True for an empty value, `~` or `null` written without quotes.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the value looks, for "expected X, found Y" messages.
    var found: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull ? "nothing" : "'\(scalar.string)'"
        }
    }

    /// The text of a non-null scalar.
    func scalarText(expected: String) throws -> String {
        guard case .scalar(let scalar) = node, !isNull else {
            throw error(.wrongType, "expected \(expected), found \(found)")
        }
        return scalar.string
    }

    /// Non-empty text without surrounding whitespace.
    func string() throws -> String {
        let text = try scalarText(expected: "text").trimmingWhitespace()
        guard !text.isEmpty else { throw error(.invalidValue, "expected text, found an empty string") }
        return text
    }

    /// A name made of letters, digits, `-`, `_` and `.`, at most 100 characters, not starting with `.`.
    func identifier(what: String = "a name") throws -> String {
        let text = try scalarText(expected: what)
        let allowed = text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.".contains($0) }
        guard allowed, !text.isEmpty, text.count <= 100, !text.hasPrefix(".") else {
            throw error(.invalidValue, "\(what) may hold only letters, digits, '-', '_' and '.', found '\(text)'")
        }
        return text
    }

    /// A whole number in `range`; `_` separators are allowed (`1_000`).
    func integer(in range: ClosedRange<Int>) throws -> Int {
        let text = try scalarText(expected: "a whole number")
        guard let value = Int(text.filter { $0 != "_" }) else {
            throw error(.wrongType, "expected a whole number, found '\(text)'")
        }
        guard range.contains(value) else {
            throw error(.invalidValue, "\(value) is out of range: expected \(Self.describe(range))")
        }
        return value
    }

    /// A finite number, with `_` separators allowed.
    func boolean() throws -> Bool {
        switch try scalarText(expected: "true or false") {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(.invalidValue, "expected true or false, found '\(other)'")
        }
    }

    func number() throws -> Double {
        let text = try scalarText(expected: "a number")
        guard let value = Double(text.filter { $0 != "_" }), value.isFinite else {
            throw error(.wrongType, "expected a number, found '\(text)'")
        }
        return value
    }

    /// A number > 0 (or ≥ 0 with `allowZero`).
    func positiveNumber(allowZero: Bool = false) throws -> Double {
        let value = try number()
        guard value > 0 || (allowZero && value == 0) else {
            throw error(.invalidValue, "expected a number \(allowZero ? ">= 0" : "> 0"), found \(value.plain)")
        }
        return value
    }

    /// A probability in [0, 1], written `0.001` or `0.1%`.
    func probability() throws -> Double {
        let text = try scalarText(expected: "a probability")
        let value: Double?
        if text.hasSuffix("%") {
            value = Double(text.dropLast().trimmingWhitespace()).map { $0 / 100 }
        } else {
            value = Double(text)
        }
        guard let value, value.isFinite else {
            throw error(.wrongType, "expected a probability like 0.01 or 1%, found '\(text)'")
        }
        guard value >= 0 && value <= 1 else {
            throw error(.invalidValue, "a probability must be within [0, 1], found \(text)")
        }
        return value
    }

    /// A duration (`250ms`, `2s`), > 0 unless `allowZero`.
    func duration(allowZero: Bool = false) throws -> Duration {
        let text = try scalarText(expected: "a duration like 250ms or 2s")
        switch DurationText.parseOrExplain(text) {
        case .failure(let problem):
            throw error(problem == .malformed ? .wrongType : .invalidValue, "\(problem), found '\(text)'")
        case .success(let duration):
            guard allowZero || duration > .zero else {
                throw error(.invalidValue, "expected a duration > 0, found '\(text)'")
            }
            return duration
        }
    }

    /// The items of a list; a single scalar is accepted as a list of one when `allowSingle`.
    func list(allowSingle: Bool = false, allowEmpty: Bool = false) throws -> [YAMLValue] {
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar where allowSingle && !isNull: items = [node]
        default: throw error(.wrongType, "expected a list, found \(found)")
        }
        guard allowEmpty || !items.isEmpty else { throw error(.invalidValue, "expected at least one item") }
        return items.enumerated().map { YAMLValue(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// The value as a mapping whose keys must all be in `allowed` (the order is used for suggestions).
    func mapping(allowing allowed: [String]) throws -> YAMLMapping {
        let mapping = try anyMapping()
        for entry in mapping.entries where !allowed.contains(entry.key) {
            throw entry.keyError(.unknownKey, "unknown key '\(entry.key)'" + Self.hint(entry.key, among: allowed))
        }
        return mapping
    }

    /// The value as a mapping with any string keys.
    func anyMapping() throws -> YAMLMapping {
        guard case .mapping(let mapping) = node else {
            throw error(.wrongType, "expected a mapping, found \(found)")
        }
        var entries = [YAMLMapping.Entry]()
        for (keyNode, valueNode) in mapping {
            let key = YAMLValue(node: keyNode, path: path, file: file)
            guard case .scalar(let scalar) = keyNode, !key.isNull else {
                throw key.error(.wrongType, "mapping keys must be text, found \(key.found)")
            }
            let value = child(valueNode, key: scalar.string)
            entries.append(YAMLMapping.Entry(key: scalar.string, keyNode: key, value: value))
        }
        return YAMLMapping(owner: self, entries: entries)
    }

    /// "; did you mean 'x'?" when a candidate is close to `word`, else "; expected one of: a, b".
    static func hint(_ word: String, among candidates: [String]) -> String {
        if let suggestion = Suggestion.closest(to: word, among: candidates) { return "; did you mean '\(suggestion)'?" }
        guard !candidates.isEmpty, candidates.count <= 12 else { return "" }
        return "; expected one of: " + candidates.joined(separator: ", ")
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? ">= \(range.lowerBound)" : "\(range.lowerBound)...\(range.upperBound)"
    }
}

extension Double {
    /// The number without a needless `.0`: `3` rather than `3.0`, `0.5` as is.
    var plain: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
