import TandemCore
import TandemReport
import TandemRuntime

extension SimClient {
    func handle(_ message: ServerMessage, on connection: any ClientConnection) {
        switch message {
        case .connectionConfirmed(let confirmed):
            connected = true
            reconnectAttempts = 0
            recorder.clientSettled(index)
            heartbeat = .milliseconds(max(100, confirmed.heartbeatMs))
            startHeartbeat()
            if views.isEmpty {
                if let current { join(current) }
            } else {
                for key in views.keys { resync(key) }
            }
        case .joined(let joined):
            guard let key = RecordKey(sessionID: joined.sessionID) else { return }
            let presence = views[key]?.presence ?? PresenceView()
            presence.show(joined.participants.map(\.userID), atNanos: now)
            views[key] = RecordView(key: key, snapshot: joined, textFields: textFields, presence: presence)
            recorder.presenceKnown(users: joined.participants.map(\.userID), by: user.id)
        case .modelChanged(let change):
            applyRemote(change)
        case .ack(let ack):
            applyAck(ack)
        case .resynced(let resynced):
            finishResync(resynced)
        case .conflictDetected(let conflict):
            conflictDetected(conflict)
        case .userLeft(let left):
            view(left.sessionID)?.presence.left(left.user.userID, atNanos: now)
        case .conflictResolved, .cursorMoved, .pong:
            break
        case .userJoined(let joined):
            let presence = view(joined.sessionID)?.presence
            recorder.presenceSeen(user: joined.user.userID, by: user.id, origin: origin,
                                  lastShownAtNanos: presence?.lastShown(joined.user.userID, nowNanos: now))
            presence?.joined(joined.user.userID)
        case .commentAdded(let added):
            // Found by its session id, as a change is (parsing the id into a key walked it by grapheme: 1 % of
            // `scale-1000x10`'s instructions).
            view(added.sessionID)?.comments.append((added.comment.id, added.comment.field))
        case .error(let error):
            recorder.count("client.errors.\(error.code.rawValue)", node: nil)
            if error.code == .notFound, error.rid == nil, let key = current, views[key] == nil {
                joinRefused(key)  // the record this client tried to join was deleted
                return
            }
            guard let rid = error.rid, case .string(let changeID) = rid else { return }
            if error.code == .internal {
                retryLater(changeID)  // nothing was committed (e.g. the store is unreachable): send it again
            } else {
                dropPending(changeID)
            }
        }
    }

    func join(_ key: RecordKey) {
        guard let connection, connected else { return }
        recorder.joinSent(user: user.id)
        send(on: connection, .joinCollaboration(JoinCollaboration(model: key.model, recordID: .string(key.recordID))))
    }

    func resync(_ key: RecordKey) {
        guard let connection, connected, let view = views[key] else { return }
        views[key]!.resyncing = true
        recorder.count(MetricsRecorder.CounterName.resyncs, node: nil)
        recorder.joinSent(user: user.id)
        send(on: connection, .resync(Resync(sessionID: key.sessionID, sinceVersion: view.version)))
    }

    /// Checks that `version` is the next one; on a gap (or a repeat) records a violation and resyncs.
    private func inOrder(_ key: RecordKey, version: Int, field: String, changeID: String?) -> Bool {
        guard let view = views[key] else { return false }
        return inOrder(view, version: version, field: field, changeID: changeID)
    }

    /// `inOrder` for a view already in hand (no lookup of its key).
    private func inOrder(_ view: RecordView, version: Int, field: String, changeID: String?) -> Bool {
        let key = view.key
        if version == view.version + 1 { return true }
        let detail = version <= view.version
            ? "\(name) got version \(version) again after \(view.version)"
            : "\(name) got version \(version) after \(view.version): \(version - view.version - 1) missing"
        recorder.violation(VersionOrderViolation(record: key.sessionID, field: field,
                                                         changeID: changeID ?? "", detail: detail))
        if version > view.version + 1, !view.resyncing { resync(key) }
        return false
    }

    /// The view a message is for, found by its session id without parsing it.
    /// The view of `sessionID`'s record. The one found last is asked for again by nearly every message (a person has
    /// one record open): kept on the client, it spares reading the table of views, cold at 10,000 clients.
    func view(_ sessionID: String) -> RecordView? {
        if let lastView, lastView.sessionID == sessionID { return lastView.view }
        let found = views.values.first { $0.sessionID == sessionID }
        lastView = found.map { ($0.sessionID, $0) }
        return found
    }

    func applyRemote(_ change: ModelChanged) {
        guard let view = view(change.sessionID) else { return }
        let key = view.key
        guard inOrder(view, version: change.version, field: change.field, changeID: change.changeID) else { return }
        view.version = change.version
        if change.isDeletion {
            // The record is gone: its values, our edits in flight or waiting (the node refuses them as not_found)
            // and the ot.js states all go; the person moves on to another record at the next action.
            view.deleted = true
            view.fields = [:]
            view.overrides = [:]
            view.pending = [:]
            view.outstanding = [:]
            view.debouncing = []
            for field in view.text.keys { view.text[field] = OTClientState(version: change.version) }
            return
        }
        view.deleted = false
        // (Most views have nothing in flight: the emptiness checks spare hashing the strings per delivery.)
        if let changeID = change.changeID, !view.outstanding.isEmpty, view.outstanding[change.field] == changeID {
            // Our own change, seen in a resync replay: it was committed; treat it as its ack.
            textAcked(key, field: change.field, version: change.version, changeID: changeID)
            return
        }
        if let changeID = change.changeID, !view.pending.isEmpty, view.pending.removeValue(forKey: changeID) != nil {
            if view.overrides[change.field]?.changeID == changeID { view.overrides[change.field] = nil }
            recorder.changeAcked(.init(changeID: changeID, key: key, field: change.field,
                                               version: change.version, client: name), by: origin)
        }
        switch change.edit {
        case .op(let json):
            // Found once by key, then read and written by position (the key's hash is computed once).
            if let textIndex = view.text.index(forKey: change.field),
               let fieldIndex = view.fields.index(forKey: change.field),
               case .string(var text) = view.fields.values[fieldIndex]
            {
                // Taken out of the view while it is edited, so that the view's copy is the only one and the op
                // edits it in place (a copy per delivery of a growing text was about a quarter of applying a remote op).
                view.fields.values[fieldIndex] = .null
                var state = view.text.values[textIndex]
                do {
                    let operation = try environment.textOperations?.operation(json) ?? TextOperation(json: json)
                    let local = try state.applyServer(operation, version: change.version)
                    try local.apply(to: &text)
                    view.text.values[textIndex] = state
                } catch {
                    recorder.count("client.ot_errors", node: nil)
                }
                view.fields.values[fieldIndex] = .string(text)
            }
        case .value(let value):
            view.fields[change.field] = value
        }
        view.advanceText(except: change.field, toVersion: change.version)
        if change.user.id != user.id { recorder.changeApplied(change.changeID, by: origin) }
    }

    func applyAck(_ ack: Ack) {
        if case .string(let rid)? = ack.rid, let key = views.keys.first(where: { views[$0]!.resolving[rid] != nil }) {
            let field = views[key]!.resolving.removeValue(forKey: rid)!
            guard inOrder(key, version: ack.version, field: field, changeID: ack.changeID) else { return }
            views[key]!.version = ack.version
            if let value = ack.value { views[key]!.fields[field] = value }
            views[key]!.advanceText(toVersion: ack.version)
            return
        }
        guard let changeID = ack.changeID,
              let key = views.keys.first(where: { key in
                  views[key]!.outstanding.values.contains(changeID) || views[key]!.pending[changeID] != nil
              }) else { return }
        let field = views[key]!.outstanding.first { $0.value == changeID }?.key ?? views[key]!.pending[changeID]!
        guard inOrder(key, version: ack.version, field: field, changeID: changeID) else { return }
        views[key]!.version = ack.version
        recorder.changeAcked(
            .init(changeID: changeID, key: key, field: field, version: ack.version, client: name), by: origin)
        if views[key]!.text[field] != nil {
            textAcked(key, field: field, version: ack.version, changeID: changeID, recordAck: false)
        } else {
            views[key]!.pending[changeID] = nil
            if views[key]!.overrides[field]?.changeID == changeID { views[key]!.overrides[field] = nil }
            views[key]!.fields[field] = ack.value ?? views[key]!.fields[field]
            views[key]!.advanceText(toVersion: ack.version)
        }
    }

    /// Our text op was committed at `version`: the ot.js state moves on and sends what was buffered.
    private func textAcked(_ key: RecordKey, field: String, version: Int, changeID: String, recordAck: Bool = true) {
        if recordAck {
            recorder.changeAcked(
                .init(changeID: changeID, key: key, field: field, version: version, client: name), by: origin)
        }
        views[key]!.outstanding[field] = nil
        views[key]!.advanceText(except: field, toVersion: version)
        do {
            if let next = try views[key]!.text[field]!.serverAck(version: version) { sendText(key, field: field, next) }
        } catch {
            recorder.count("client.ot_errors", node: nil)
        }
    }

    private func finishResync(_ resynced: Resynced) {
        guard let key = RecordKey(sessionID: resynced.sessionID), views[key] != nil else { return }
        if let participants = resynced.participants?.map(\.userID), !environment.ignoresResyncedParticipants {
            // Who came and went while this client was away: the view shows the session as it is now.
            views[key]!.presence.show(participants, atNanos: now)
            recorder.presenceKnown(users: participants, by: user.id)
        }
        views[key]!.resyncing = false
        views[key]!.joined = true
        if resynced.version > views[key]!.version { views[key]!.version = resynced.version }
        // Whatever is still in flight never reached the log: send it again, with the same change ids.
        for (field, changeID) in views[key]!.outstanding.sorted(by: { $0.key < $1.key }) {
            if let send = views[key]!.text[field]?.resend() { sendText(key, field: field, send, changeID: changeID) }
        }
        // Only the latest value per field is resent; older changes still pending are superseded by it.
        for (field, override) in views[key]!.overrides.sorted(by: { $0.key < $1.key }) {
            views[key]!.pending = views[key]!.pending.filter { $0.key == override.changeID || $0.value != field }
            sendValue(key, field: field, value: override.value, changeID: override.changeID)
        }
    }

    private func conflictDetected(_ conflict: ConflictDetected) {
        guard let key = RecordKey(sessionID: conflict.sessionID) else { return }
        if case .string(let changeID)? = conflict.rid { dropPending(changeID) }
        recorder.count("client.conflicts_seen", node: nil)
        let roll = random.nextDouble()
        let choice: ConflictChoice = roll < 0.4 ? .local : (roll < 0.8 ? .remote : .merged)
        let merged: JSONValue? = choice == .merged ? mergedValue(conflict) : nil
        let delay = Duration.milliseconds(200 + Int(random.nextDouble() * 1_800))
        spawn { me in
            do { try await me.environment.clock.sleep(for: delay, isolation: me) } catch { return }
            me.resolve(key, conflict.conflictID, field: conflict.field, choice, merged)
        }
    }

    private func resolve(
        _ key: RecordKey, _ conflictID: String, field: String, _ choice: ConflictChoice, _ value: JSONValue?
    ) {
        guard let connection, connected, active, views[key] != nil else { return }
        let rid = "resolve:\(conflictID)"
        views[key]!.resolving[rid] = field
        send(on: connection, .resolveConflict(ResolveConflict(sessionID: key.sessionID, conflictID: conflictID,
                                                               choice: choice, value: value, rid: .string(rid))))
    }

    private func mergedValue(_ conflict: ConflictDetected) -> JSONValue {
        switch (conflict.localValue, conflict.remoteValue) {
        case (.string(let local), .string(let remote)): return .string(local + " / " + remote)
        case (.number(let local), .number(let remote)): return .number(((local + remote) / 2).rounded())
        default: return conflict.localValue
        }
    }

    /// Sends a change again, with the same change id, after the server could not commit it; a browser
    /// retries the same way, and the id makes the retry safe if the first attempt did land after all.
    private func retryLater(_ changeID: String) {
        spawn { me in
            do { try await me.environment.clock.sleep(for: .seconds(1), isolation: me) } catch { return }
            me.retry(changeID)
        }
    }

    private func retry(_ changeID: String) {
        guard connected else { return }  // a reconnect's resync resends it anyway
        for key in views.keys where views[key]!.joined && !views[key]!.resyncing {
            if let field = views[key]!.outstanding.first(where: { $0.value == changeID })?.key,
               let send = views[key]!.text[field]?.resend()
            {
                sendText(key, field: field, send, changeID: changeID)
            } else if let field = views[key]!.pending[changeID], let override = views[key]!.overrides[field],
                      override.changeID == changeID
            {
                sendValue(key, field: field, value: override.value, changeID: changeID)
            } else {
                dropPending(changeID)
            }
        }
    }

    /// A change of ours that the server refused or held: stop showing it as pending.
    private func dropPending(_ changeID: String) {
        for key in views.keys {
            guard let field = views[key]!.pending.removeValue(forKey: changeID) else { continue }
            if views[key]!.overrides[field]?.changeID == changeID { views[key]!.overrides[field] = nil }
        }
    }
}
