/// Which latency samples a scoped threshold (`latency.propagation.p99{outside: faults}`) or a report window takes:
/// an optional stretch of time, matched against the time each sample's message was **sent**, and optionally only
/// the samples measured by clients of one node or one population group.
///
/// Written inside braces after a latency metric, as `key: value` pairs separated by commas (values may be
/// quoted): `outside: faults`, `during: faults`, `during: "fault 2"`, `after: faults`, `after: "fault 2", for: 10s`,
/// `phase: steady`, `phase: ramp`, `phase: 2`, `node: node-2`, `group: editors`. At most one of `outside`,
/// `during`, `after` and `phase`; `for` only with `after`. ``RunTimeline`` turns the time part into spans of the
/// run's clock.
public struct LatencyScope: Sendable, Hashable, CustomStringConvertible {
    /// `faults` (every fault) or `fault N` (the N-th fault of the scenario's `faults` list, from 1).
    public enum Faults: Sendable, Hashable {
        case all
        case number(Int)
    }

    /// `steady` (every steady phase), `ramp` (every ramp) or `N` / `phase N` (the N-th phase, from 1).
    public enum Phases: Sendable, Hashable {
        case steady
        case ramp
        case number(Int)
    }

    /// The stretch of time a scope takes.
    public enum Time: Sendable, Hashable {
        /// `outside: faults`: steady state, neither during a fault nor in the recovery that follows one
        /// (``LatencyScope/recoveryDefaultNanos`` after each fault's end).
        case outsideFaults
        /// `during: faults` or `during: "fault N"`: from a fault's start to its end.
        case during(Faults)
        /// `after: faults` or `after: "fault N"`, with `for` (default ``LatencyScope/recoveryDefaultNanos``): the
        /// recovery that follows a fault's end.
        case after(Faults, forNanos: Int64)
        /// `phase: …`: the phases of the load curve.
        case phase(Phases)
    }

    /// How long a recovery lasts when `for` is not given, and how long after each fault `outside: faults` waits.
    public static let recoveryDefaultNanos: Int64 = 5_000_000_000

    /// The keys a scope may have, in canonical order.
    public static let keys = ["outside", "during", "after", "for", "phase", "node", "group"]

    public var time: Time?
    /// Only samples measured by clients connected to this node (`node-2`).
    public var node: String?
    /// Only samples measured by clients of this population group.
    public var group: String?

    public init(time: Time? = nil, node: String? = nil, group: String? = nil) {
        self.time = time
        self.node = node
        self.group = group
    }

    /// The report's three standing windows: steady state, during faults, and the recoveries after them.
    public static let standard: [LatencyScope] = [
        LatencyScope(time: .outsideFaults),
        LatencyScope(time: .during(.all)),
        LatencyScope(time: .after(.all, forNanos: recoveryDefaultNanos)),
    ]

    /// The canonical text, as it appears inside braces in reports: `after: fault 2, for: 10s`.
    public var description: String {
        var parts: [String] = []
        switch time {
        case nil: break
        case .outsideFaults: parts.append("outside: faults")
        case .during(let faults): parts.append("during: \(Self.text(faults))")
        case .after(let faults, let nanos):
            parts.append("after: \(Self.text(faults))")
            parts.append("for: \(Self.durationText(nanos))")
        case .phase(.steady): parts.append("phase: steady")
        case .phase(.ramp): parts.append("phase: ramp")
        case .phase(.number(let number)): parts.append("phase: \(number)")
        }
        if let node { parts.append("node: \(node)") }
        if let group { parts.append("group: \(group)") }
        return parts.joined(separator: ", ")
    }

    /// A human label for report headings: `steady state (outside faults and their recoveries)`.
    public var label: String {
        switch (time, node, group) {
        case (.outsideFaults?, nil, nil):
            "steady state (outside faults and the \(Self.durationText(Self.recoveryDefaultNanos)) after each)"
        case (.during(.all)?, nil, nil): "during faults"
        case (.after(.all, let nanos)?, nil, nil): "recovery (\(Self.durationText(nanos)) after each fault)"
        default: description
        }
    }

    static func text(_ faults: Faults) -> String {
        switch faults {
        case .all: "faults"
        case .number(let number): "fault \(number)"
        }
    }

    static func durationText(_ nanos: Int64) -> String {
        if nanos % 1_000_000_000 == 0 { return "\(nanos / 1_000_000_000)s" }
        if nanos % 1_000_000 == 0 { return "\(nanos / 1_000_000)ms" }
        if nanos % 1_000 == 0 { return "\(nanos / 1_000)us" }
        return "\(nanos)ns"
    }
}

extension LatencyScope {
    /// Splits `latency.propagation.p99{outside: faults}` into the metric path and its scope (nil without braces).
    static func split(_ text: String) throws(ThresholdError) -> (path: String, scope: LatencyScope?) {
        guard let open = text.firstIndex(of: "{") else {
            guard !text.contains("}") else {
                throw ThresholdError(code: .badScope, metric: text, message: "'}' without '{' in '\(text)'")
            }
            return (text, nil)
        }
        let path = String(text[..<open].trimmingWhitespace())
        guard text.hasSuffix("}") else {
            throw ThresholdError(
                code: .badScope,
                metric: text,
                message: "a scope ends with '}' and nothing after it, e.g. latency.propagation.p99{outside: faults}"
            )
        }
        let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
        return (path, try parse(inside, metric: text))
    }

    /// Parses the text between the braces.
    public static func parse(_ inside: Substring, metric: String) throws(ThresholdError) -> LatencyScope {
        func fail(_ message: String) -> ThresholdError {
            ThresholdError(code: .badScope, metric: metric, message: message)
        }
        var values: [String: String] = [:]
        var order: [String] = []
        for item in try items(inside, metric: metric) {
            guard let colon = item.firstIndex(of: ":") else {
                throw fail("expected 'key: value' in the scope, found '\(item)'")
            }
            let key = String(item[..<colon].trimmingWhitespace())
            var value = String(item[item.index(after: colon)...].trimmingWhitespace())
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard keys.contains(key) else {
                throw fail("unknown scope '\(key)'; scopes are \(keys.joined(separator: ", "))")
            }
            guard values[key] == nil else { throw fail("'\(key)' appears twice in the scope") }
            guard !value.isEmpty else { throw fail("'\(key)' needs a value") }
            values[key] = value
            order.append(key)
        }
        guard !order.isEmpty else { throw fail("an empty scope '{}': leave the braces out for the whole run") }
        let timeKeys = order.filter { ["outside", "during", "after", "phase"].contains($0) }
        guard timeKeys.count <= 1 else {
            throw fail(
                "a scope takes one of outside, during, after and phase, found '\(timeKeys[0])' and '\(timeKeys[1])'"
            )
        }
        var scope = LatencyScope(node: values["node"], group: values["group"])
        if values["for"] != nil, values["after"] == nil {
            throw fail("'for' is the length of an 'after' window; write e.g. {after: \"fault 2\", for: 10s}")
        }
        if let value = values["outside"] {
            guard value == "faults" else { throw fail("'outside' takes 'faults', found '\(value)'") }
            scope.time = .outsideFaults
        } else if let value = values["during"] {
            scope.time = .during(try faults(value, key: "during", fail: fail))
        } else if let value = values["after"] {
            var nanos = recoveryDefaultNanos
            if let length = values["for"] {
                guard let (number, suffix) = ThresholdSpec.splitNumber(Substring(length)),
                    let ms = ThresholdSpec.convert(number, suffix: suffix, to: .milliseconds), !suffix.isEmpty,
                    ms > 0, ms <= 24 * 3_600_000
                else {
                    throw fail("'for' takes a positive duration with a unit, like 10s or 500ms, found '\(length)'")
                }
                nanos = Int64((ms * 1_000_000).rounded())
            }
            scope.time = .after(try faults(value, key: "after", fail: fail), forNanos: nanos)
        } else if let value = values["phase"] {
            switch value {
            case "steady": scope.time = .phase(.steady)
            case "ramp": scope.time = .phase(.ramp)
            default:
                let digits = value.hasPrefix("phase ") ? String(value.dropFirst(6)) : value
                guard let number = Int(digits.trimmingWhitespace()), number >= 1 else {
                    throw fail("'phase' takes steady, ramp or a phase number like 2, found '\(value)'")
                }
                scope.time = .phase(.number(number))
            }
        }
        return scope
    }

    private static func faults(
        _ value: String,
        key: String,
        fail: (String) -> ThresholdError
    ) throws(ThresholdError)
        -> Faults
    {
        if value == "faults" { return .all }
        if value.hasPrefix("fault "), let number = Int(value.dropFirst(6).trimmingWhitespace()), number >= 1 {
            return .number(number)
        }
        throw fail(
            "'\(key)' takes 'faults' or \"fault N\" (N from 1, in the order of the faults list), found '\(value)'"
        )
    }

    /// The comma-separated items, keeping commas inside quotes.
    private static func items(_ text: Substring, metric: String) throws(ThresholdError) -> [Substring] {
        var items: [Substring] = []
        var start = text.startIndex
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "," {
                items.append(text[start..<index])
                start = text.index(after: index)
            } else if character == "{" || character == "}" {
                throw ThresholdError(code: .badScope, metric: metric, message: "a scope cannot contain '\(character)'")
            }
            index = text.index(after: index)
        }
        guard quote == nil else {
            throw ThresholdError(code: .badScope, metric: metric, message: "an unterminated quote in the scope")
        }
        items.append(text[start...])
        return items.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}
