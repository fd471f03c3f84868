import TandemCore
import TandemEngine
import TandemRuntime
import TandemStore

/// A seeded script of store operations, run against the in-memory reference and a store under test; every answer
/// must match. The seed is in the failure message; replay one with `--filter` and the seed list in the test.
struct ConformanceScript {
    /// What one operation answered, in a form two stores can be compared by.
    enum Outcome: Equatable, CustomStringConvertible {
        case appended(AppendResult)
        case record(RecordState?)
        case slice(ChangeLogSlice)
        case change(ChangeEntry?)
        case conflict(ConflictRecord?)
        case comments([Comment])
        case pruned

        var description: String {
            switch self {
            case .appended(let result): return "append → \(result)"
            case .record(let record):
                return "record → v\(record?.version ?? -1) \(record?.fields ?? [:]) deleted \(record?.deleted ?? false)"
            case .slice(let slice): return "slice → \(slice.changes.map(\.version)) reachesBack \(slice.reachesBack)"
            case .change(let change): return "change → \(change?.changeID ?? "nil")"
            case .conflict(let conflict):
                return "conflict → \(conflict?.id ?? "nil") \(conflict?.status.rawValue ?? "")"
            case .comments(let comments): return "comments → \(comments.map(\.id))"
            case .pruned: return "pruned"
            }
        }
    }

    private var random: SplitMix64
    private var versions: [RecordKey: Int] = [:]
    private var clock: Int64 = 1_000
    private var nextID = 0
    /// How many changes the script committed: a script that only clashes would prove little.
    private(set) var appendedCount = 0
    private let keys = [
        RecordKey(model: "Doc", recordID: "a"), RecordKey(model: "Doc", recordID: "b"),
        RecordKey(model: "Note", recordID: "ü/1"),
    ]

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// Runs `count` operations on both stores; returns the first disagreement, if any.
    mutating func run(count: Int, reference: InMemoryEventStore, subject: any EventStore) async throws -> String? {
        for step in 0..<count {
            let operation = makeOperation()
            let expected = try await operation(reference)
            let actual = try await operation(subject)
            if expected != actual { return "step \(step): expected \(expected), got \(actual)" }
            if case .appended(.appended) = expected, case .append(let key) = lastKind {
                versions[key, default: 0] += 1
                appendedCount += 1
            }
        }
        return nil
    }

    private enum Kind {
        case append(RecordKey)
        case other
    }
    private var lastKind = Kind.other

    private mutating func makeOperation() -> @Sendable (any EventStore) async throws -> Outcome {
        let key = keys[random.below(keys.count)]
        let current = versions[key, default: 0]
        clock += Int64(random.below(50))
        nextID += 1
        let id = nextID
        let now = clock
        lastKind = .other
        switch random.below(10) {
        case 0..<4:
            let version = random.below(4) == 0 ? max(0, current + random.below(3) - 1) : current + 1
            let change =
                version > 1 && random.below(6) == 0
                ? ChangeEntry.deletion(
                    of: RecordState(key: key, version: version - 1, fields: ["title": .string("gone \(id)")], fieldVersions: [:]),
                    changeID: "c\(id)", baseVersion: version - 1, user: Samples.bob, timestampMillis: now, origin: .rest)
                : Samples.change(key, version: version, value: .string("v\(id) ✓"), changeID: "c\(id)", atMillis: now)
            let autoResolved =
                random.below(3) == 0 ? Samples.conflict(key, id: "auto\(id)", status: .autoResolved) : nil
            if version == current + 1 { lastKind = .append(key) }
            return { store in .appended(try await store.append(change, autoResolved: autoResolved)) }
        case 4:
            let withChange = random.below(2) == 0
            let version = current + 1 + (random.below(3) == 0 ? 1 : 0)
            var conflict = Samples.conflict(key, id: "k\(random.below(3))", status: withChange ? .resolved : .pending)
            conflict.resolvedValue = withChange ? .null : nil
            let change = withChange ? Samples.change(key, version: version, changeID: "r\(id)", atMillis: now) : nil
            if withChange, version == current + 1 { lastKind = .append(key) }
            let saved = conflict
            return { store in .appended(try await store.saveConflict(saved, with: change)) }
        case 5:
            let after = random.below(current + 4) - 1
            let limit = random.below(6)
            return { store in .slice(try await store.changes(key, after: after, limit: limit)) }
        case 6:
            guard random.below(2) == 0 else { return { store in .record(try await store.loadRecord(key)) } }
            let changeID = "c\(random.below(id + 1))"
            return { store in .change(try await store.change(key, id: changeID)) }
        case 7:
            let conflictID = random.below(2) == 0 ? "k\(random.below(3))" : "auto\(random.below(id + 1))"
            return { store in .conflict(try await store.conflict(key, id: conflictID)) }
        case 8:
            let through = random.below(current + 2)
            return { store in
                try await Self.prune(store, key, through: through)
                return .pruned
            }
        default:
            let comment = Samples.comment("m\(id)", text: "note \(id) — ünïcode")
            return { store in
                try await store.appendComment(comment, to: key)
                return .comments(try await store.comments(key))
            }
        }
    }

    /// Prunes through the store's own maintenance call (the in-memory store's or a durable store's archive).
    static func prune(_ store: any EventStore, _ key: RecordKey, through version: Int) async throws {
        if let memory = store as? InMemoryEventStore {
            await memory.prune(key, through: version)
        } else if let durable = store as? any DurableEventStore {
            _ = try await durable.archiveChanges(key, through: version)
        }
    }
}

extension SplitMix64 {
    /// A draw in `0..<bound` by remainder (not `bounded(_:)`), so that every seed replays the scripts it always
    /// made.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
}
