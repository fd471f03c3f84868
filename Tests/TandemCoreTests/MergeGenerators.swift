import PropertyBased
import TandemCore

/// Random JSON values and changes of them for the merge properties: small alphabets, so that two
/// random changes of one base often touch the same key paths and sometimes make the same change.
enum RandomJSON {
    static let keys = ["a", "b", "c"]
    static let depthMax = 3

    static func scalar(using rng: inout some RandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int.random(in: 0...2, using: &rng))
        case 3: return .string(Bool.random(using: &rng) ? "x" : "y")
        default:
            var elements: [JSONValue] = []
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                elements.append(.int(Int.random(in: 0...1, using: &rng)))
            }
            return .array(elements)
        }
    }

    /// A scalar, an array or (while `depth` allows) an object.
    static func value(depth: Int, using rng: inout some RandomNumberGenerator) -> JSONValue {
        if depth > 0, Int.random(in: 0..<3, using: &rng) == 0 { return object(depth: depth - 1, using: &rng) }
        return scalar(using: &rng)
    }

    static func object(depth: Int, using rng: inout some RandomNumberGenerator) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for key in keys where Int.random(in: 0..<4, using: &rng) != 0 {
            members[key] = value(depth: depth, using: &rng)
        }
        return .object(members)
    }

    /// A random change of `value`: each key is kept, removed, set anew or (for an object) changed inside.
    static func change(_ value: JSONValue, depth: Int, using rng: inout some RandomNumberGenerator) -> JSONValue {
        guard case .object(let members) = value else {
            return Bool.random(using: &rng) ? value : self.value(depth: depth, using: &rng)
        }
        var changed = members
        for key in keys {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1: continue
            case 2: changed[key] = nil
            case 3: changed[key] = self.value(depth: depth, using: &rng)
            default:
                if let member = members[key] { changed[key] = change(member, depth: max(depth - 1, 0), using: &rng) }
            }
        }
        return .object(changed)
    }

    /// Two changes of `base` at disjoint key paths (no path is a prefix of another), and both applied together.
    static func disjointChanges(
        of base: [String: JSONValue], depth: Int, using rng: inout some RandomNumberGenerator
    ) -> (local: [String: JSONValue], remote: [String: JSONValue], both: [String: JSONValue]) {
        var (local, remote, both) = (base, base, base)
        for key in keys {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: continue
            case 1, 2:
                let newValue: JSONValue? = Bool.random(using: &rng) ? nil : value(depth: depth, using: &rng)
                if Bool.random(using: &rng) { local[key] = newValue } else { remote[key] = newValue }
                both[key] = newValue
            default:
                guard case .object(let inner)? = base[key] else { continue }
                let changes = disjointChanges(of: inner, depth: max(depth - 1, 0), using: &rng)
                (local[key], remote[key], both[key]) = (
                    .object(changes.local), .object(changes.remote), .object(changes.both)
                )
            }
        }
        return (local, remote, both)
    }

    /// The value at `path`, or `nil` when some key on the way is absent or not inside an object.
    static func value(at path: [String], in value: JSONValue) -> JSONValue? {
        var current = value
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Every key path that leads to a value in `value`, the root (`[]`) included.
    static func paths(in value: JSONValue, prefix: [String] = []) -> Set<[String]> {
        var paths: Set<[String]> = [prefix]
        for (key, member) in value.objectValue ?? [:] {
            paths.formUnion(self.paths(in: member, prefix: prefix + [key]))
        }
        return paths
    }
}

/// A base value and two independent random changes of it.
struct JSONMergeScenario: Sendable {
    var base: JSONValue
    var local: JSONValue
    var remote: JSONValue

    static let generator = Generator<Self, Shrink.None<Self>>(run: { rng in
        let base = RandomJSON.object(depth: RandomJSON.depthMax, using: &rng)
        return JSONMergeScenario(
            base: base,
            local: RandomJSON.change(base, depth: RandomJSON.depthMax, using: &rng),
            remote: RandomJSON.change(base, depth: RandomJSON.depthMax, using: &rng))
    })

    static let disjointGenerator = Generator<(Self, expected: JSONValue), Shrink.None<(Self, expected: JSONValue)>>(
        run: { rng in
            let base = RandomJSON.object(depth: RandomJSON.depthMax, using: &rng)
            let changes = RandomJSON.disjointChanges(
                of: base.objectValue ?? [:], depth: RandomJSON.depthMax, using: &rng)
            let scenario = JSONMergeScenario(base: base, local: .object(changes.local), remote: .object(changes.remote))
            return (scenario, expected: .object(changes.both))
        })
}

/// A base list of id'd items and two independent random changes of it: deletes, modifications and
/// inserts of fresh ids (strings `"L0"…` on the local side, integers `100…` on the remote side).
/// Local keeps base order; remote sometimes reorders.
struct ListMergeScenario: Sendable {
    var base: [JSONValue]
    var local: [JSONValue]
    var remote: [JSONValue]
    var localInsertedIDs: [JSONValue]
    var remoteInsertedIDs: [JSONValue]

    /// The three lists as JSON values.
    var values: (base: JSONValue, local: JSONValue, remote: JSONValue) { (.array(base), .array(local), .array(remote)) }

    static let baseIDPool: [JSONValue] = ["a", "b", "c", "d", "e", "f", 1, 2, 3, 4, 5, 6]

    static let generator = Generator<Self, Shrink.None<Self>>(run: { rng in
        var base: [JSONValue] = []
        for id in baseIDPool.shuffled(using: &rng).prefix(Int.random(in: 0...6, using: &rng)) {
            base.append(item(id, Int.random(in: 0...1, using: &rng)))
        }
        let localIDs = (0..<Int.random(in: 0...3, using: &rng)).map { JSONValue.string("L\($0)") }
        let remoteIDs = (0..<Int.random(in: 0...3, using: &rng)).map { JSONValue.int(100 + $0) }
        var remote = change(base, inserting: remoteIDs, using: &rng)
        if Int.random(in: 0..<3, using: &rng) == 0 { remote.shuffle(using: &rng) }
        return ListMergeScenario(
            base: base, local: change(base, inserting: localIDs, using: &rng), remote: remote,
            localInsertedIDs: localIDs, remoteInsertedIDs: remoteIDs)
    })

    static func item(_ id: JSONValue, _ value: Int) -> JSONValue { ["id": id, "v": .int(value)] }

    /// Deletes and modifies some of `list`'s items and inserts new items with `newIDs` at random places.
    static func change(
        _ list: [JSONValue], inserting newIDs: [JSONValue], using rng: inout some RandomNumberGenerator
    ) -> [JSONValue] {
        var changed: [JSONValue] = []
        for entry in list {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: continue
            case 1: changed.append(item(entry["id"] ?? .null, Int.random(in: 0...2, using: &rng)))
            default: changed.append(entry)
            }
        }
        for id in newIDs {
            changed.insert(
                item(id, Int.random(in: 0...2, using: &rng)), at: Int.random(in: 0...changed.count, using: &rng))
        }
        return changed
    }
}
