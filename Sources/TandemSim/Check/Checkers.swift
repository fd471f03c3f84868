import TandemCore
import TandemEngine
import TandemReport

/// The end-of-run checks: every client and node view equals the store, every acknowledged change is in the
/// log at its version, and nobody shows a participant who is gone.
///
/// The store (`SimStore.durable`) is the authority: it is the sequencer, so a view that differs from it is
/// divergent by definition.
struct Checkers {
    let world: SimWorld

    var context: SimWorldContext { world.context }

    /// Every record the store holds, with all model fields present.
    private func authoritative() async -> [RecordKey: RecordState] {
        var records: [RecordKey: RecordState] = [:]
        for key in await context.store.durable.recordKeys() {
            guard let record = await context.store.durable.loadRecord(key), let model = context.models[key.model] else { continue }
            records[key] = model.completing(record)
        }
        return records
    }

    private func truth(_ key: RecordKey, in records: [RecordKey: RecordState]) -> RecordState? {
        records[key] ?? context.models[key.model]?.emptyRecord(id: key.recordID)
    }

    func divergentCount() async throws -> Int { try await divergentClients().count }

    /// One entry per (client or node, record, field) that differs from the store; a client that should be
    /// connected but is not counts once, as field `*`.
    func divergentClients() async throws -> [DivergentClient] {
        let records = await authoritative()
        var divergent: [DivergentClient] = []
        for client in world.clients {
            let snapshot = await client.snapshot()
            guard !snapshot.departed else { continue }
            guard snapshot.connected || !snapshot.reconnectAllowed else {
                divergent.append(DivergentClient(client: snapshot.name, record: "*", field: "*",
                                                 expected: "connected", actual: "disconnected"))
                continue
            }
            guard snapshot.connected else { continue }
            for view in snapshot.views {
                guard let truth = truth(view.key, in: records) else { continue }
                if !view.joined || view.resyncing {
                    divergent.append(DivergentClient(client: snapshot.name, record: view.key.sessionID, field: "*",
                                                     expected: "joined", actual: view.resyncing ? "resyncing" : "not joined"))
                    continue
                }
                divergent += compare(snapshot.name, view.key, expected: truth, actualVersion: view.version, actual: view.fields)
            }
        }
        for node in context.nodes where node.isUp {
            guard let engine = node.engine else { continue }
            for key in records.keys.sorted() {
                guard let held = await engine.record(key), let truth = records[key] else { continue }
                divergent += compare(node.name, key, expected: truth, actualVersion: held.version, actual: held.fields)
            }
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
    func lostAcknowledgedWrites() async -> [LostWrite] {
        var logs: [RecordKey: [Int: String]] = [:]
        var lost: [LostWrite] = []
        for acked in context.recorder.ackedChanges {
            if logs[acked.key] == nil {
                var byVersion: [Int: String] = [:]
                for change in await context.store.durable.log(acked.key) { byVersion[change.version] = change.changeID }
                logs[acked.key] = byVersion
            }
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
    func presenceGhosts() async -> [PresenceGhost] {
        var present: Set<String> = []
        var names: [Int: String] = [:]
        var keys = Set(await context.store.durable.recordKeys())
        for client in world.clients {
            let snapshot = await client.snapshot()
            names[client.user.id] = snapshot.name
            for view in snapshot.views { keys.insert(view.key) }
            guard snapshot.connected, !snapshot.departed else { continue }
            for view in snapshot.views where view.joined { present.insert("\(client.user.id)@\(view.key.sessionID)") }
        }
        var ghosts: [PresenceGhost] = []
        for node in context.nodes where node.isUp {
            guard let engine = node.engine else { continue }
            for key in keys.sorted() {
                for participant in await engine.participants(key)
                where !present.contains("\(participant.userID)@\(key.sessionID)") {
                    ghosts.append(PresenceGhost(observer: node.name, ghost: participant.username, record: key.sessionID,
                                                detail: "no live connection of \(names[participant.userID] ?? "this user") is joined"))
                }
            }
        }
        return ghosts
    }
}
