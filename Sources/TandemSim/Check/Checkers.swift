import TandemCore
import TandemEngine
import TandemReport

/// A node whose own views the checkers compare with the store: what it holds of a record, and who it shows as
/// present there.
public protocol CheckedNode: Sendable {
    var name: String { get }
    /// The node's copy of a record, nil when it holds none.
    func record(_ key: RecordKey) async -> RecordState?
    /// The node's copies of `keys`, in their order (nil where it holds none).
    func records(_ keys: [RecordKey]) async -> [RecordState?]
    /// The participants the node shows in a record's session.
    func participants(_ key: RecordKey) async -> [Participant]
    /// A stamp that moves whenever any of the node's copies changes, or which it holds (``ChangeStamp``), or nil when
    /// it keeps none: ``CheckCache`` need not read an unchanged node again.
    func recordsStamp() async -> UInt64?
}

/// A simulated node's engine, read directly.
struct EngineNode: CheckedNode {
    let name: String
    let engine: CollaborationNode

    func record(_ key: RecordKey) async -> RecordState? { await engine.record(key) }
    /// One hop to the node's actor for every record: the convergence check reads every record on every node, and a
    /// hop per record was most of a 200-node run's check.
    func records(_ keys: [RecordKey]) async -> [RecordState?] { await engine.records(keys) }
    func participants(_ key: RecordKey) async -> [Participant] { await engine.participants(key) }
    func recordsStamp() async -> UInt64? { await engine.recordsStamp }
}

extension CheckedNode {
    public func records(_ keys: [RecordKey]) async -> [RecordState?] {
        var found: [RecordState?] = []
        found.reserveCapacity(keys.count)
        for key in keys { found.append(await record(key)) }
        return found
    }

    /// No stamp: the node is read at every check.
    public func recordsStamp() async -> UInt64? { nil }
}

/// The end-of-run checks: every client and node view equals the store, every acknowledged change is in the
/// log at its version, and nobody shows a participant who is gone.
///
/// The store is the authority: it is the sequencer, so a view that differs from it is divergent by definition. The
/// same checks judge a simulated run (the simulated store, and each node's engine) and a live one (the real
/// database, read through the same `EventStore` the server uses; the clients' views only).
public struct Checkers: Sendable {
    let store: any EventStore
    let models: ModelRegistry
    let clients: [SimClient]
    let recorder: SimRecorder
    let nodes: [any CheckedNode]
    /// Every record key the store holds, deleted ones too, when the store can list them; otherwise the records it
    /// lists per model and those the clients view.
    let storeKeys: (@Sendable () async -> [RecordKey])?
    /// What the previous check found, so that `divergentClients` compares again only what changed (nil: compare all).
    let cache: CheckCache?

    public init(
        store: any EventStore, models: ModelRegistry, clients: [SimClient], recorder: SimRecorder,
        nodes: [any CheckedNode] = [], storeKeys: (@Sendable () async -> [RecordKey])? = nil, cache: CheckCache? = nil
    ) {
        self.store = store
        self.models = models
        self.clients = clients
        self.recorder = recorder
        self.nodes = nodes
        self.storeKeys = storeKeys
        self.cache = cache
    }

    /// The records to check: what the store lists and what the clients view.
    private func keys() async throws -> [RecordKey] {
        if let storeKeys { return await storeKeys() }
        var keys: Set<RecordKey> = []
        for model in models.models.values {
            var offset = 0
            while true {
                let page = try await store.records(model: model.name, offset: offset, limit: 500)
                keys.formUnion(page.records.map(\.key))
                offset += page.records.count
                if page.records.isEmpty || offset >= page.total { break }
            }
        }
        for client in clients { keys.formUnion(await client.currentSnapshot().views.map(\.key)) }
        return keys.sorted()
    }

    /// Every record the store holds, with all model fields present (as the last check read them, when the store has
    /// not changed since: `storeStamp`).
    private func authoritative(storeStamp: UInt64? = nil) async throws -> [RecordKey: RecordState] {
        if let storeStamp, let records = cache?.records(storeStamp: storeStamp) { return records }
        var records: [RecordKey: RecordState] = [:]
        for key in try await keys() {
            guard let record = try await store.loadRecord(key), let model = models[key.model] else { continue }
            records[key] = model.completing(record)
        }
        if let storeStamp { cache?.setRecords(records, storeStamp: storeStamp) }
        return records
    }

    private func truth(_ key: RecordKey, in records: [RecordKey: RecordState]) -> RecordState? {
        records[key] ?? models[key.model]?.emptyRecord(id: key.recordID)
    }

    public func divergentCount() async throws -> Int { try await divergentClients().count }

    /// One entry per (client or node, record, field) that differs from the store; a client that should be
    /// connected but is not counts once, as field `*`. With a ``CheckCache``, what has not changed since the previous
    /// check is not read or compared again: its entries are the ones found then.
    public func divergentClients() async throws -> [DivergentClient] {
        let storeStamp = await cache?.storeStamp()
        let records = try await authoritative(storeStamp: storeStamp)
        var divergent: [DivergentClient] = []
        // Every stamp first, in one pass (each still read before the state it covers).
        let stamps = cache == nil ? [] : await SimClient.checkStamps(of: clients)
        for (index, client) in clients.enumerated() {
            guard let cache, let storeStamp else {
                divergent += divergences(of: await client.currentSnapshot(), in: records)
                continue
            }
            let stamp = stamps[index]
            if let found = cache.client(index, stamp: stamp, storeStamp: storeStamp) {
                if !found.isEmpty { divergent += found }  // (almost always empty: the append alone cost more)
                continue
            }
            let found = divergences(of: await client.currentSnapshot(), in: records)
            cache.setClient(index, CheckCache.ClientEntry(stamp: stamp, storeStamp: storeStamp, found: found))
            divergent += found
        }
        var sorted: [RecordKey]?
        for node in nodes {
            let stamp = await node.recordsStamp()
            if let cache, let storeStamp, let stamp,
               let found = cache.node(node.name, stamp: stamp, storeStamp: storeStamp) {
                divergent += found
                continue
            }
            let keys = sorted ?? records.keys.sorted()
            sorted = keys
            var found: [DivergentClient] = []
            for (key, held) in zip(keys, await node.records(keys)) {
                guard let held, let truth = records[key] else { continue }
                found += compare(node.name, key, expected: truth, actualVersion: held.version, actual: held.fields)
            }
            if let cache, let storeStamp, let stamp {
                cache.setNode(node.name, CheckCache.NodeEntry(stamp: stamp, storeStamp: storeStamp, found: found))
            }
            divergent += found
        }
        return divergent
    }

    /// What one client's snapshot shows that differs from the store (nothing for a client that departed, or that is
    /// rightly disconnected).
    private func divergences(of snapshot: ClientSnapshot, in records: [RecordKey: RecordState]) -> [DivergentClient] {
        guard !snapshot.departed else { return [] }
        guard snapshot.connected || !snapshot.reconnectAllowed else {
            return [DivergentClient(client: snapshot.name, record: "*", field: "*", expected: "connected",
                                    actual: snapshot.connecting ? "connecting" : "disconnected")]
        }
        guard snapshot.connected else { return [] }
        var divergent: [DivergentClient] = []
        for view in snapshot.views {
            guard let truth = truth(view.key, in: records) else { continue }
            if !view.joined || view.resyncing {
                divergent.append(DivergentClient(client: snapshot.name, record: view.key.sessionID, field: "*",
                                                 expected: "joined", actual: view.resyncing ? "resyncing" : "not joined"))
                continue
            }
            divergent += compare(snapshot.name, view.key, expected: truth, actualVersion: view.version, actual: view.fields)
        }
        return divergent
    }

    private func compare(
        _ who: String, _ key: RecordKey, expected: RecordState, actualVersion: Int, actual: [String: JSONValue]
    ) -> [DivergentClient] {
        var found: [DivergentClient] = []
        if actualVersion != expected.version {
            found.append(DivergentClient(client: who, record: key.sessionID, field: "version",
                                         expected: String(expected.version), actual: String(actualVersion)))
        }
        // Sorted (the report's order) only when something differs: at 10,000 users each check of the settle
        // compares tens of thousands of views, nearly all equal, and sorting every record's field names was about
        // a fifth of the comparing (docs/BENCHMARKS.md, *Simulator*).
        guard expected.fields.contains(where: { field, value in actual[field] != value }) else { return found }
        for field in expected.fields.keys.sorted() where actual[field] != expected.fields[field] {
            found.append(DivergentClient(client: who, record: key.sessionID, field: field,
                                         expected: Self.short(expected.fields[field]), actual: Self.short(actual[field])))
        }
        return found
    }

    static func short(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        let text = value.description
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }

    /// Every change a client saw acknowledged must be in the store's log, at the version it was acked with.
    public func lostAcknowledgedWrites() async throws -> [LostWrite] {
        let acked = recorder.ackedChanges
        var oldest: [RecordKey: Int] = [:]
        for change in acked { oldest[change.key] = min(oldest[change.key] ?? change.version, change.version) }
        var logs: [RecordKey: [Int: String]] = [:]
        for (key, version) in oldest {
            var byVersion: [Int: String] = [:]
            for change in try await store.changes(key, after: version - 1, limit: 100_000_000).changes {
                byVersion[change.version] = change.changeID
            }
            logs[key] = byVersion
        }
        var lost: [LostWrite] = []
        for acked in acked {
            let logged = logs[acked.key]![acked.version]
            if logged != acked.changeID {
                lost.append(LostWrite(
                    changeID: acked.changeID, record: acked.key.sessionID, field: acked.field,
                    detail: "\(acked.client) was acked at v\(acked.version), but the log has "
                        + (logged.map { "change \($0)" } ?? "nothing") + " there"))
            }
        }
        return lost
    }

    /// Participants a node still shows although no live, joined connection of that user exists.
    public func presenceGhosts() async throws -> [PresenceGhost] {
        // (user, record) pairs, not "user@session" strings: a string built and hashed per view and per participant
        // was most of this check's time at 10,000 users.
        var present: Set<Presence> = []
        var names: [Int: String] = [:]
        var keys = Set(try await keys())
        var live: [(id: Int, snapshot: ClientSnapshot)] = []
        for client in clients {
            let snapshot = await client.currentSnapshot()
            names[client.user.id] = snapshot.name
            for view in snapshot.views { keys.insert(view.key) }
            guard snapshot.connected, !snapshot.departed else { continue }
            live.append((client.user.id, snapshot))
            for view in snapshot.views where view.joined { present.insert(Presence(user: client.user.id, key: view.key)) }
        }
        var ghosts: [PresenceGhost] = []
        // What each connected client shows: a user it still shows who is gone (a `user_left` it missed while away,
        // a snapshot it never got) is a ghost on that person's screen.
        for (id, snapshot) in live {
            for view in snapshot.views where view.joined && !view.resyncing {
                for user in view.shown
                where user != id && names[user] != nil && !present.contains(Presence(user: user, key: view.key)) {
                    ghosts.append(PresenceGhost(observer: snapshot.name, ghost: names[user]!, record: view.key.sessionID,
                                                detail: "shown by \(snapshot.name)'s view, but no live connection of "
                                                    + "\(names[user]!) is joined"))
                }
            }
        }
        let sortedKeys = keys.sorted()
        for node in nodes {
            for key in sortedKeys {
                // Someone who is none of these clients (another shard's user, a real person on staging) is not
                // this run's to judge.
                for participant in await node.participants(key)
                where names[participant.userID] != nil
                    && !present.contains(Presence(user: participant.userID, key: key)) {
                    ghosts.append(PresenceGhost(observer: node.name, ghost: participant.username, record: key.sessionID,
                                                detail: "no live connection of \(names[participant.userID] ?? "this user") is joined"))
                }
            }
        }
        return ghosts
    }
}

/// A user joined to a record's session (`Checkers.presenceGhosts`).
private struct Presence: Hashable {
    let user: Int
    let key: RecordKey
}
