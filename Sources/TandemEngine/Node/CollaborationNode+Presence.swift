import TandemCore
import TandemRuntime

extension CollaborationNode {
    func handleCursor(_ message: CursorUpdate, from id: String) {
        guard let key = joinedKey(message.sessionID, connection: id, rid: nil), let model = sessions[key]?.model else { return }
        guard model.field(message.field) != nil else {
            sendError(.unknownField, "model \(model.name) has no field \"\(message.field)\"", rid: nil, to: id)
            return
        }
        guard let user = sessions[key]!.presence.setCursor(
            connection: id, field: message.field, state: message.state, position: message.position,
            nowNanos: environment.clock.nowNanos()) else { return }
        broadcastLocal(key, .cursorMoved(Messages.cursorMoved(key, user, field: message.field, state: message.state,
                                                             position: message.position)), except: id)
        publish(.presence(key, .cursor(user, connection: id, field: message.field, state: message.state,
                                       position: message.position)))
    }

    func handleComment(_ message: CommentRequest, from id: String) async {
        guard let key = joinedKey(message.sessionID, connection: id, rid: message.rid),
              let user = connections[id]?.user, let session = sessions[key] else { return }
        guard session.model.field(message.field) != nil else {
            sendError(.unknownField, "model \(session.model.name) has no field \"\(message.field)\"", rid: message.rid, to: id)
            return
        }
        if session.record.deleted {
            sendError(.notFound, ChangeRejection.deleted(key, at: session.record.version).message, rid: message.rid, to: id)
            return
        }
        guard configuration.access.canComment(user, model: session.model.name) else {
            sendError(.forbidden, "user \(user.username) may not comment on \(session.model.name)", rid: message.rid, to: id)
            return
        }
        if let problem = session.comments.validate(field: message.field, text: message.text, parentID: message.parentID) {
            sendError(.invalidMessage, problem.message, rid: message.rid, to: id)
            return
        }
        let comment = Comment(id: nextID("cm"), field: message.field, text: message.text, parentID: message.parentID,
                              user: user.ref, createdAtMillis: environment.clock.wallMillis())
        do {
            try await environment.store.appendComment(comment, to: key)
        } catch {
            metrics.storeErrors += 1
            sendError(.internal, "comment not saved: \(error)", rid: message.rid, to: id)
            return
        }
        audit(AuditEvent(kind: .commentAdded, key: key, user: user.ref, field: comment.field,
                         newValue: .string(comment.text), metadata: ["comment_id": .string(comment.id)],
                         createdAtMillis: comment.createdAtMillis))
        addComment(comment, to: key, rid: message.rid, author: id)
        publish(.comment(key, comment))
    }

    private func addComment(_ comment: Comment, to key: RecordKey, rid: RequestID?, author: String?) {
        guard sessions[key] != nil else { return }
        sessions[key]!.comments.append(comment)
        guard let targets = sessions[key]?.localConnections.keys else { return }
        for id in targets {
            send(.commentAdded(Messages.commentAdded(key, comment, rid: id == author ? rid : nil)), to: id)
        }
    }

    // MARK: Backplane

    /// Handles what another node published.
    public func receiveBackplane(_ envelope: BackplaneEnvelope) {
        guard running, envelope.origin != nodeID else { return }
        metrics.backplaneIn += 1
        // Most changes reach nodes that hold no session of their record: those are turned away by the key, read in
        // place, before the change is bound out of the message (a retain and a release of its storage, atomic each);
        // the session found serves the change that is bound.
        if let key = envelope.message.committedKey {
            guard let session = sessions[key], case .committed(let change) = envelope.message else { return }
            return integrate(change, author: nil, into: session)
        }
        let now = environment.clock.nowNanos()
        switch envelope.message {
        case .committed: break  // (above)
        case .presence(let key, let notice):
            guard let session = sessions[key] else { return }
            applyPresence(notice, to: session, key: key, nowNanos: now)
        case .presenceHeartbeat(let heartbeats):
            var answers: [PresenceHeartbeatSession] = []
            for heartbeat in heartbeats {
                // One lookup per session of the beat (the session is a class), not one per entry.
                guard let session = sessions[heartbeat.key] else { continue }
                for entry in heartbeat.entries {
                    applyPresence(.joined(entry.user, connection: entry.connection), to: session, key: heartbeat.key,
                                  nowNanos: now)
                }
                if heartbeat.version > session.record.version { startGapFill(heartbeat.key) }
                if heartbeat.query, let beat = presenceBeat(heartbeat.key) { answers.append(beat) }
            }
            if !answers.isEmpty { publish(.presenceHeartbeat(answers)) }
        case .comment(let key, let comment):
            addComment(comment, to: key, rid: nil, author: nil)
        case .conflictResolved(let conflict):
            broadcastLocal(conflict.key, .conflictResolved(Messages.conflictResolved(conflict)))
        }
    }

    private func applyPresence(_ notice: PresenceNotice, to session: SessionState, key: RecordKey, nowNanos: Int64) {
        switch notice {
        case .joined(let user, let connection):
            if session.presence.join(user: user, connection: connection, nowNanos: nowNanos) {
                broadcastLocal(key, .userJoined(Messages.userPresence(key, user, color: PresenceTable.color(for: user.id))))
            }
        case .left(let connection):
            if let gone = session.presence.leave(connection: connection) {
                broadcastLocal(key, .userLeft(Messages.userLeft(key, gone)))
            }
        case .cursor(let user, let connection, let field, let state, let position):
            _ = session.presence.join(user: user, connection: connection, nowNanos: nowNanos)
            _ = session.presence.setCursor(connection: connection, field: field, state: state,
                                           position: position, nowNanos: nowNanos)
            broadcastLocal(key, .cursorMoved(Messages.cursorMoved(key, user, field: field, state: state, position: position)))
        }
    }

    // MARK: Heartbeat

    /// Every heartbeat interval: expire silent connections (local and remote), tell other nodes who is
    /// here and at which version, flush the audit log, and drop idle sessions.
    func heartbeatLoop() async {
        while running {
            do {
                try await environment.clock.sleep(for: configuration.heartbeatInterval)
            } catch {
                return
            }
            guard running else { return }
            heartbeat()
            await flushAudit()
        }
    }

    func heartbeat() {
        let now = environment.clock.nowNanos()
        let timeout = configuration.heartbeatTimeout.nanosecondsClamped
        var beats: [PresenceHeartbeatSession] = []
        for key in sortedSessionKeys() {
            guard let session = sessions[key] else { continue }
            let gone = session.presence.expire(nowNanos: now, timeoutNanos: timeout)
            for user in gone {
                metrics.presenceExpired += 1
                broadcastLocal(key, .userLeft(Messages.userLeft(key, user)))
            }
            let stale = session.localConnections.keys.filter { id in !session.presence.contains(connection: id) }
            for id in stale {
                connections[id]?.transport.close(code: 4408, reason: "heartbeat timeout")
                leaveSession(key, connection: id)
            }
            guard let current = sessions[key] else { continue }
            if let beat = presenceBeat(key) { beats.append(beat) }
            if current.localConnections.isEmpty && gates[key] == nil { sessions.removeValue(forKey: key) }
        }
        let perMessage = max(1, configuration.limits.heartbeatSessionsPerMessageMax)
        for start in stride(from: 0, to: beats.count, by: perMessage) {
            publish(.presenceHeartbeat(Array(beats[start..<min(beats.count, start + perMessage)])))
        }
    }

    /// This node's connections in `key`'s session, as a heartbeat of it; nil when it holds none.
    func presenceBeat(_ key: RecordKey) -> PresenceHeartbeatSession? {
        guard let session = sessions[key] else { return nil }
        // One array, filled in the table's order (no filtered copy of each user's connections on the way).
        var entries: [PresenceHeartbeatEntry] = []
        for entry in session.presence.entries.values {
            for connection in entry.connections.keys where session.localConnections[connection] != nil {
                entries.append(PresenceHeartbeatEntry(user: entry.user, connection: connection, focus: entry.focus))
            }
        }
        return entries.isEmpty ? nil : PresenceHeartbeatSession(key: key, version: session.record.version, entries: entries)
    }
}
