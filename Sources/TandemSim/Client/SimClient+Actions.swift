import TandemCore
import TandemRuntime
import TandemScenario

extension SimClient {
    /// Think, act, repeat — while the scenario says this user is active.
    ///
    /// Each action is due a think time after the previous one was due, not after it ran: a live load generator that
    /// falls behind catches up instead of quietly sending less (and measures from the due time, see `actNanos`).
    func actLoop() async {
        var dueNanos = now
        while !departed {
            let think = behavior.thinkTime.sample(using: &random)
            dueNanos += max(think, .milliseconds(1)).nanosecondsClamped
            do {
                try await environment.clock.sleep(for: .nanoseconds(max(0, dueNanos - now)), isolation: self)
            } catch { return }
            guard active else {
                if departed { return }
                continue
            }
            actNanos = dueNanos
            act()
        }
    }

    /// Pings so the node knows this connection is alive, as the browser does (`collaboration.js`,
    /// `startHeartbeat`): from the connection's confirmation on, every half heartbeat, a ping if nothing was sent for
    /// half a heartbeat. A client that sends more often than that never pings.
    /// The clock runs the beats if it can (the simulator's: a timer its loop calls, `HeartbeatTimer`); otherwise a
    /// task that sleeps does.
    func startHeartbeat() {
        stopHeartbeat()
        heartbeatTimer = environment.clock.heartbeat(of: self, everyNanos: (heartbeat / 2).nanosecondsClamped)
        if heartbeatTimer == nil { heartbeatTask = spawn { me in await me.heartbeatLoop() } }
    }

    /// The browser clears its heartbeat interval when its socket closes.
    func stopHeartbeat() {
        heartbeatTask?.cancel()
        heartbeatTask = nil
        heartbeatTimer?.stop()
        heartbeatTimer = nil
    }

    private func heartbeatLoop() async {
        let half = heartbeat / 2
        let halfNanos = half.nanosecondsClamped
        while !departed {
            do { try await environment.clock.sleep(for: half, isolation: self) } catch { return }
            _ = heartbeatBeat(periodNanos: halfNanos)
        }
    }

    /// One beat, every `periodNanos` (half a heartbeat): a ping if nothing was sent for that long. Returns whether the
    /// client has left (then the beats stop).
    func heartbeatBeat(periodNanos: Int64) -> Bool {
        if let connection, connected, now - lastSentNanos >= periodNanos { send(on: connection, .ping(Ping())) }
        return departed
    }

    /// Sends one message to the node and notes when (the heartbeat pings only an idle connection).
    func send(on connection: any ClientConnection, _ message: ClientMessage) {
        connection.sendToNode(message)
        lastSentNanos = now
    }

    func act() {
        guard connected, let key = current, let view = views[key], view.joined, !view.resyncing else { return }
        // A deleted record has nothing left to edit: a person would move on to another one.
        let kind = view.deleted ? .switchRecord : pickAction()
        recorder.count("actions.\(kind.rawValue)", node: nil)
        switch kind {
        case .typeText: typeText(key)
        case .deleteText: deleteText(key)
        case .setField: setField(key)
        case .moveCursor, .selectText: moveCursor(key, select: kind == .selectText)
        case .comment: comment(key)
        case .switchRecord: switchRecord()
        }
    }

    private func pickAction() -> ActionKind {
        let total = behavior.actions.reduce(0) { $0 + $1.weight }
        var roll = random.nextDouble() * total
        for action in behavior.actions {
            roll -= action.weight
            if roll < 0 { return action.kind }
        }
        return behavior.actions.last?.kind ?? .moveCursor
    }

    private func fields(of type: (FieldType) -> Bool) -> [FieldSchema] {
        model.fields.values.filter { type($0.type) && (behavior.fields?.contains($0.name) ?? true) && !$0.restricted }
    }

    private func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[random.bounded(items.count)] }

    // MARK: Text

    private func typeText(_ key: RecordKey) {
        guard let field = pick(fields { $0 == .text }), case .string(let text)? = views[key]?.fields[field.name] else {
            return setField(key)
        }
        let count = max(1, behavior.typing.charactersPerBurst.sampleCount(using: &random))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz    ")
        let inserted = String((0..<count).map { _ in alphabet[random.bounded(alphabet.count)] })
        let length = text.utf16.count
        let position = random.bounded(length + 1)
        editText(key, field: field.name, TextOperation([.retain(position), .insert(inserted), .retain(length - position)]))
    }

    private func deleteText(_ key: RecordKey) {
        guard let field = pick(fields { $0 == .text }), case .string(let text)? = views[key]?.fields[field.name],
              !text.isEmpty else { return typeText(key) }
        let length = text.utf16.count
        let count = min(length, max(1, behavior.typing.charactersPerBurst.sampleCount(using: &random)))
        let position = random.bounded(length - count + 1)
        editText(key, field: field.name, TextOperation([.retain(position), .delete(count), .retain(length - position - count)]))
    }

    /// Applies a local edit at once; the first edit after a quiet spell is sent after the typing debounce,
    /// later ones ride along composed (ot.js's buffer) when the server acknowledges it.
    private func editText(_ key: RecordKey, field: String, _ op: TextOperation) {
        guard let view = views[key], var state = view.text[field], case .string(let text) = view.fields[field] else { return }
        do {
            view.fields[field] = .string(try op.apply(to: text))
            let first = try state.applyClient(op)
            view.text[field] = state
            if first != nil { view.debouncing.insert(field) }
            views[key] = view
            if first != nil {
                let debounce = behavior.typing.debounce
                let dueNanos = actNanos + debounce.nanosecondsClamped
                spawn { me in
                    do { try await me.environment.clock.sleep(for: debounce, isolation: me) } catch { return }
                    me.flushTyping(key, field: field, dueNanos: dueNanos)
                }
            }
        } catch {
            recorder.count("client.ot_errors", node: nil)
        }
    }

    private func flushTyping(_ key: RecordKey, field: String, dueNanos: Int64) {
        guard views[key]?.debouncing.remove(field) != nil, let send = views[key]?.text[field]?.resend() else { return }
        sendText(key, field: field, send, dueNanos: dueNanos)
    }

    /// Sends a text op; a resend after a reconnect keeps the op's change id so it is never applied twice.
    /// `dueNanos`: when the person meant it to go (default: now, e.g. a buffer released by an ack).
    func sendText(
        _ key: RecordKey, field: String, _ send: OTClientState.Send, changeID: String? = nil, dueNanos: Int64? = nil
    ) {
        let intended = dueNanos ?? now
        let id = changeID ?? nextChangeID(intendedAtNanos: intended)
        views[key]?.outstanding[field] = id
        guard let connection, connected else { return }
        if changeID == nil { recorder.changeSent(id, intendedAtNanos: intended) }
        self.send(on: connection, .fieldChange(FieldChange(
            sessionID: key.sessionID, field: field, baseVersion: send.baseVersion, edit: .op(send.operation.json),
            rid: .string(id), changeID: id)))
    }

    // MARK: Other fields

    private func setField(_ key: RecordKey) {
        guard let field = pick(fields { $0 != .text }), let view = views[key] else { return }
        let value = newValue(for: field, current: view.shown(field.name) ?? field.defaultValue)
        let id = nextChangeID(intendedAtNanos: actNanos)
        views[key]!.overrides[field.name] = (id, value)
        views[key]!.pending[id] = field.name
        recorder.changeSent(id, intendedAtNanos: actNanos)
        sendValue(key, field: field.name, value: value, changeID: id)
    }

    func sendValue(_ key: RecordKey, field: String, value: JSONValue, changeID: String) {
        guard let connection, connected, let view = views[key] else { return }
        send(on: connection, .fieldChange(FieldChange(
            sessionID: key.sessionID, field: field, baseVersion: view.version, edit: .value(value),
            rid: .string(changeID), changeID: changeID)))
    }

    private func newValue(for field: FieldSchema, current: JSONValue) -> JSONValue {
        switch field.type {
        case .string, .text: return .string("\(name)-\(random.bounded(1_000))")
        case .number: return .int(random.bounded(10_000))
        case .bool: return .bool(!(current.boolValue ?? false))
        case .datetime:
            return .string("2026-\(String(format2: 1 + random.bounded(12)))-\(String(format2: 1 + random.bounded(28)))T12:00:00Z")
        case .json:
            var object = current.objectValue ?? [:]
            object["k\(random.bounded(6))"] = .int(random.bounded(100))
            if random.bounded(4) == 0, let victim = object.keys.sorted().first { object[victim] = nil }
            return .object(object)
        case .list:
            var items = current.arrayValue ?? []
            if !items.isEmpty, random.bounded(3) == 0 {
                items.remove(at: random.bounded(items.count))
            } else {
                changeCount += 1
                let item: JSONValue = ["id": .string("\(name)-i\(changeCount)"), "label": .int(random.bounded(100))]
                items.insert(item, at: random.bounded(items.count + 1))
            }
            return .array(items)
        }
    }

    // MARK: Presence, comments, navigation

    private func moveCursor(_ key: RecordKey, select: Bool) {
        guard let connection, let field = pick(fields { _ in true }) else { return }
        var position: CursorPosition?
        if case .string(let text)? = views[key]?.fields[field.name] {
            let length = text.utf16.count
            let index = random.bounded(length + 1)
            position = CursorPosition(index: index, end: select ? index + random.bounded(length - index + 1) : index)
        }
        send(on: connection, .cursor(CursorUpdate(sessionID: key.sessionID, field: field.name, state: .focus,
                                                   position: position)))
    }

    private func comment(_ key: RecordKey) {
        guard let connection, let field = pick(fields { _ in true }) else { return }
        let replies = views[key]?.comments.filter { $0.field == field.name } ?? []
        let parent = replies.isEmpty || random.bounded(2) == 0 ? nil : pick(replies)?.id
        changeCount += 1
        send(on: connection, .comment(CommentRequest(sessionID: key.sessionID, field: field.name,
                                                      text: "\(name) note \(changeCount)", parentID: parent)))
    }

    private func switchRecord() {
        guard let connection, let old = current, views[old]?.isQuiet ?? true else { return }
        let next = pickRecord()
        guard next != old else { return }
        send(on: connection, .leaveCollaboration(LeaveCollaboration(sessionID: old.sessionID)))
        views[old] = nil
        current = next
        join(next)
    }

    /// The record picked to join was deleted: pick again (a few times, then stay put until the next action).
    func joinRefused(_ gone: RecordKey) {
        for _ in 0..<4 {
            let next = pickRecord()
            guard next != gone else { continue }
            current = next
            join(next)
            return
        }
    }

    func nextChangeID(intendedAtNanos: Int64) -> String {
        changeCount += 1
        let id = "\(environment.changeIDPrefix)\(name)-\(changeCount)"
        return environment.sendTimeInChangeIDs ? ChangeIDSendTime.append(intendedAtNanos, to: id) : id
    }
}

extension String {
    /// A two-digit, zero-padded number.
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
