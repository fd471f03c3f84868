import Yams

/// A scenario file one step smaller than another, and what the step removed.
public struct ScenarioReduction: Sendable, Equatable {
    /// What was removed or cut, in words ("fault 2 (crash) removed", "users of group editors halved: 60 → 30").
    public var step: String
    /// The smaller scenario file. It still has to load: a step can leave a file the loader refuses (a fault
    /// after the new end of the run, a node a fault names but the topology no longer has); such steps are skipped.
    public var yaml: String
}

/// The one-step reductions of a scenario file, for `tandem shrink`: each removes one fault, group or phase, one
/// node, halves a group's records or a steady phase, or cuts a group's users or the whole run by half (or, when
/// half is too much, by a quarter). Biggest first, so that a greedy
/// search that keeps the first step under which the run still fails the same way gets small in few runs.
///
/// It edits the YAML tree, not the decoded `Scenario`, so that whatever the file says and the step does not touch
/// (distributions, links, models, expectations) is written back as it was, and the loader judges the result.
/// Comments are not kept. The same file always gives the same steps in the same order.
public enum ScenarioShrinker {
    public static func reductions(of yaml: String) -> [ScenarioReduction] {
        guard let root = try? Yams.compose(yaml: yaml), let top = root.mapping else { return [] }
        var steps: [(String, Node.Mapping)] = []

        let faults = top.sequence(at: "faults")
        for (index, fault) in faults.enumerated() {
            let kind = fault.mapping?.keys.compactMap(\.string).first { $0 != "at" } ?? "fault"
            steps.append(("fault \(index + 1) (\(kind)) removed", top.removing(at: index, of: "faults")))
        }
        let groups = top.sequence(at: "population")
        if groups.count > 1 {
            for (index, group) in groups.enumerated() {
                steps.append(("group \(group.name(index)) removed", top.removing(at: index, of: "population")))
            }
        }
        if let nodes = top.value("topology")?.mapping?.int(at: "nodes"), nodes > 1 {
            var smaller = top
            smaller.edit("topology") { $0.setting("nodes", to: nodes - 1) }
            steps.append(("nodes cut: \(nodes) → \(nodes - 1)", smaller))
        }
        for (cut, word) in [(2, "halved"), (4, "cut by a quarter")] {
            for (index, group) in groups.enumerated() {
                guard let users = group.mapping?.int(at: "users"), users / cut >= 1 else { continue }
                let left = cut == 2 ? users / 2 : users - users / 4
                var smaller = top.replacing(at: index, of: "population", with: group.setting("users", to: left))
                smaller.clampRamps(
                    toUsers: smaller.sequence(at: "population").compactMap { $0.mapping?.int(at: "users") }.reduce(0, +))
                steps.append(("users of group \(group.name(index)) \(word): \(users) → \(left)", smaller))
            }
        }
        for (index, group) in groups.enumerated() {
            guard let records = group.mapping?.value("records")?.mapping, let count = records.int(at: "count"), count > 1
            else {
                continue
            }
            let fewer = group.setting("records", to: .mapping(records).setting("count", to: count / 2))
            steps.append(("records of group \(group.name(index)) halved: \(count) → \(count / 2)",
                          top.replacing(at: index, of: "population", with: fewer)))
        }
        let phases = top.sequence(at: "phases")
        if phases.count > 1 {
            for (index, phase) in phases.enumerated() {
                let kind = phase.mapping?.keys.first?.string ?? "phase"
                steps.append(("phase \(index + 1) (\(kind)) removed", top.removing(at: index, of: "phases")))
            }
        }
        for (index, phase) in phases.enumerated() {
            guard let steady = phase.mapping?.duration(at: "steady"), steady >= .seconds(2) else { continue }
            let half = (steady / 2).roundedToMilliseconds
            steps.append(("steady phase \(index + 1) halved: \(DurationText.format(steady)) → \(DurationText.format(half))",
                          top.replacing(at: index, of: "phases", with: phase.setting("steady", to: half))))
        }
        if let duration = top.duration(at: "duration"), duration >= .seconds(2) {
            for end in [(duration / 2).roundedToMilliseconds, (duration * 3 / 4).roundedToMilliseconds] {
                steps.append(("run cut: \(DurationText.format(duration)) → \(DurationText.format(end))",
                              top.endingRun(at: end)))
            }
        }
        return steps.compactMap { step, mapping in
            guard let text = try? Yams.serialize(node: .mapping(mapping), allowUnicode: true), text != yaml else { return nil }
            return ScenarioReduction(step: step, yaml: text)
        }
    }
}

extension ScenarioShrinker {
    /// `yaml` with `suffix` added to its `name` and `seed` set, as shrinking starts from it; nil if it is no mapping.
    public static func renamed(_ yaml: String, suffix: String, seed: UInt64) -> String? {
        guard let root = try? Yams.compose(yaml: yaml), var top = root.mapping else { return nil }
        if let name = top.value("name")?.string { top.set("name", to: .text(name + suffix)) }
        top.set("seed", to: .text(String(seed)))
        return try? Yams.serialize(node: .mapping(top), allowUnicode: true)
    }
}

extension Duration {
    fileprivate var roundedToMilliseconds: Duration {
        .milliseconds((Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15).rounded())
    }
}

extension Node {
    fileprivate static func text(_ text: String) -> Node { .scalar(.init(text)) }

    /// A group's name for messages: its `group:` or its position.
    fileprivate func name(_ index: Int) -> String { mapping?.value("group")?.string ?? "\(index + 1)" }

    fileprivate func setting(_ key: String, to value: Int) -> Node { setting(key, to: .text(String(value))) }

    fileprivate func setting(_ key: String, to value: Duration) -> Node {
        setting(key, to: .text(DurationText.format(value)))
    }

    fileprivate func setting(_ key: String, to value: Node) -> Node {
        guard var mapping else { return self }
        mapping.set(key, to: value)
        return .mapping(mapping)
    }
}

extension Node.Mapping {
    /// The value under a plain string key (a key written in any scalar style matches).
    fileprivate func value(_ key: String) -> Node? { first { $0.key.string == key }?.value }

    fileprivate mutating func set(_ key: String, to value: Node?) {
        var pairs = map { (key: $0.key, value: $0.value) }
        if let index = pairs.firstIndex(where: { $0.key.string == key }) {
            if let value { pairs[index].value = value } else { pairs.remove(at: index) }
        } else if let value {
            pairs.append((key: .text(key), value: value))
        }
        self = Node.Mapping(pairs.map { ($0.key, $0.value) }, tag, style, mark)
    }

    fileprivate mutating func edit(_ key: String, _ body: (Node) -> Node) {
        if let value = value(key) { set(key, to: body(value)) }
    }

    fileprivate func sequence(at key: String) -> [Node] { value(key)?.sequence.map(Array.init) ?? [] }

    fileprivate func int(at key: String) -> Int? { value(key)?.string.flatMap { Int($0) } }

    fileprivate func duration(at key: String) -> Duration? { value(key)?.string.flatMap(DurationText.parse) }

    /// This mapping with `items` as the list under `key`; an empty list removes the key.
    fileprivate func withList(_ key: String, _ items: [Node]) -> Node.Mapping {
        var copy = self
        let style = value(key)?.sequence?.style ?? .any
        copy.set(key, to: items.isEmpty ? nil : .sequence(Node.Sequence(items, .implicit, style)))
        return copy
    }

    fileprivate func removing(at index: Int, of key: String) -> Node.Mapping {
        var items = sequence(at: key)
        items.remove(at: index)
        return withList(key, items)
    }

    fileprivate func replacing(at index: Int, of key: String, with item: Node) -> Node.Mapping {
        var items = sequence(at: key)
        items[index] = item
        return withList(key, items)
    }

    /// Ramps to more users than the population now has ramp to all of them.
    fileprivate mutating func clampRamps(toUsers users: Int) {
        let phases = sequence(at: "phases").map { phase -> Node in
            guard let ramp = phase.mapping?.value("ramp")?.mapping, let to = ramp.int(at: "to"), to > users else {
                return phase
            }
            return phase.setting("ramp", to: Node.mapping(ramp).setting("to", to: users))
        }
        if !phases.isEmpty { self = withList("phases", phases) }
    }

    /// The run ends at `end`: phases that start after it go, the one running across it is cut short.
    fileprivate func endingRun(at end: Duration) -> Node.Mapping {
        var copy = self
        copy.set("duration", to: .text(DurationText.format(end)))
        var start = Duration.zero
        var kept: [Node] = []
        for phase in sequence(at: "phases") {
            guard start < end, let mapping = phase.mapping else { break }
            if let steady = mapping.duration(at: "steady") {
                let length = Swift.min(steady, end - start)
                kept.append(phase.setting("steady", to: length))
                start += length
            } else if let ramp = mapping.value("ramp")?.mapping, let over = ramp.duration(at: "over") {
                guard start + over <= end else { break }
                kept.append(phase)
                start += over
            } else {
                kept.append(phase)
            }
        }
        return sequence(at: "phases").isEmpty ? copy : copy.withList("phases", kept)
    }
}
