import TandemCore

extension CollaborationNode {
    /// Loads a record's session from the store if this node does not hold it yet. Call with the gate held.
    func loadSession(_ key: RecordKey, model: ModelSchema) async throws {
        if sessions[key] != nil { return }
        let stored = try await environment.store.loadRecord(key)
        let comments = try await environment.store.comments(key)
        if sessions[key] != nil { return }
        sessions[key] = SessionState(
            record: stored.map(model.completing) ?? model.emptyRecord(id: key.recordID), model: model,
            comments: CommentThread(comments: comments))
    }

    func handleJoin(_ join: JoinCollaboration, from id: String) async {
        guard let user = connections[id]?.user else { return }
        guard let model = configuration.models[join.model] else {
            sendError(.notFound, "unknown model \"\(join.model)\"", rid: join.rid, to: id)
            return
        }
        let recordID = join.recordID.description
        guard !recordID.isEmpty else {
            sendError(.invalidMessage, "record_id must not be empty", rid: join.rid, to: id)
            return
        }
        guard configuration.access.canShow(user, model: model.name) else {
            audit(AuditEvent(kind: .permissionDenied, key: RecordKey(model: model.name, recordID: recordID),
                             user: user.ref, metadata: ["action": "join"], createdAtMillis: environment.clock.wallMillis()))
            sendError(.forbidden, "user \(user.username) may not see \(model.name)", rid: join.rid, to: id)
            return
        }
        let key = RecordKey(model: model.name, recordID: recordID)
        guard await joinSession(key, model: model, connection: id, rid: join.rid, refuseDeleted: true) else { return }
        sendSnapshot(key, to: id, rid: join.rid)
    }

    /// Makes `id` a participant of `key`; returns false (having answered the error) when it cannot.
    ///
    /// With `refuseDeleted` (a new join), a deleted record is `not_found`; a resync may still join one, so that a
    /// client that was away when the record was deleted is told so in version order.
    func joinSession(
        _ key: RecordKey, model: ModelSchema, connection id: String, rid: RequestID?, refuseDeleted: Bool = false
    ) async -> Bool {
        guard let connection = connections[id] else { return false }
        if connection.sessions[key] != nil { return true }
        guard connection.sessions.count < configuration.limits.sessionsPerConnectionMax else {
            sendError(.invalidMessage, "a connection may join at most \(configuration.limits.sessionsPerConnectionMax) sessions", rid: rid, to: id)
            return false
        }
        await enterGate(key)
        defer { leaveGate(key) }
        do {
            try await loadSession(key, model: model)
        } catch {
            metrics.storeErrors += 1
            sendError(.internal, "could not load \(key): \(error)", rid: rid, to: id)
            return false
        }
        guard let user = connections[id]?.user, let session = sessions[key] else { return false }
        if refuseDeleted, session.record.deleted {
            sendError(.notFound, ChangeRejection.deleted(key, at: session.record.version).message, rid: rid, to: id)
            return false
        }
        if session.presence.entries[user.id] == nil,
           session.presence.count >= configuration.limits.participantsPerSessionMax
        {
            sendError(.sessionFull, "session \(key.sessionID) has \(configuration.limits.participantsPerSessionMax) participants", rid: rid, to: id)
            return false
        }
        let now = environment.clock.nowNanos()
        let isNewUser = session.presence.join(user: user.ref, connection: id, nowNanos: now)
        let firstHere = session.localConnections.isEmpty
        let readOnly = !configuration.access.canEdit(user, model: model.name)
        let joined = JoinedSession(readOnly: readOnly, sentVersion: session.record.version)
        session.localConnections[id] = LocalMember(connection: connections[id]!, joined: joined)
        connections[id]!.sessions[key] = joined
        if isNewUser {
            let color = PresenceTable.color(for: user.id)
            broadcastLocal(key, .userJoined(Messages.userPresence(key, user.ref, color: color)), except: id)
        }
        if firstHere {
            // Other nodes' participants are known here only from their heartbeats, which this node ignored while it
            // held no session: ask for them now (the question carries this join), or the joiner would see only this
            // node's users for up to a heartbeat interval.
            let entry = PresenceHeartbeatEntry(user: user.ref, connection: id, focus: nil)
            publish(.presenceHeartbeat([PresenceHeartbeatSession(key: key, version: session.record.version,
                                                                 entries: [entry], query: true)]))
        } else {
            publish(.presence(key, .joined(user.ref, connection: id)))
        }
        audit(AuditEvent(kind: .sessionJoined, key: key, user: user.ref, metadata: ["read_only": .bool(readOnly)],
                         createdAtMillis: environment.clock.wallMillis()))
        return true
    }

    /// Sends the full `joined` snapshot and marks the connection as current at the record's version.
    func sendSnapshot(_ key: RecordKey, to id: String, rid: RequestID?) {
        guard let session = sessions[key], let joined = connections[id]?.sessions[key] else { return }
        connections[id]!.sessions[key]!.sentVersion = session.record.version
        send(.joined(Messages.joined(session, readOnly: joined.readOnly, rid: rid)), to: id)
    }

    func handleLeave(_ leave: LeaveCollaboration, from id: String) {
        guard let key = joinedKey(leave.sessionID, connection: id, rid: leave.rid) else { return }
        leaveSession(key, connection: id)
    }

    /// Removes a connection from a session; drops the session when no local connection is left.
    func leaveSession(_ key: RecordKey, connection id: String) {
        connections[id]?.sessions.removeValue(forKey: key)?.left = true
        guard let session = sessions[key] else { return }
        session.localConnections.removeValue(forKey: id)?.joined.left = true
        let gone = session.presence.leave(connection: id)
        publish(.presence(key, .left(connection: id)))
        if let gone {
            broadcastLocal(key, .userLeft(Messages.userLeft(key, gone)))
            audit(AuditEvent(kind: .sessionLeft, key: key, user: gone, createdAtMillis: environment.clock.wallMillis()))
        }
        if session.localConnections.isEmpty && gates[key] == nil { sessions.removeValue(forKey: key) }
    }

    /// The record key of a session this connection joined, or nil after answering `not_joined`.
    func joinedKey(_ sessionID: String, connection id: String, rid: RequestID?) -> RecordKey? {
        guard let key = RecordKey(sessionID: sessionID), connections[id]?.sessions[key] != nil, sessions[key] != nil else {
            sendError(.notJoined, "not joined to session \"\(sessionID)\"", rid: rid, to: id)
            return nil
        }
        return key
    }

    // MARK: Resync

    /// Replays every change after `since_version` in order and ends with `resynced`; joins first when the
    /// connection is new (a reconnect), and falls back to a fresh snapshot when the log no longer reaches back.
    func handleResync(_ resync: Resync, from id: String) async {
        guard let user = connections[id]?.user else { return }
        guard let key = RecordKey(sessionID: resync.sessionID), let model = configuration.models[key.model] else {
            sendError(.notFound, "unknown session \"\(resync.sessionID)\"", rid: resync.rid, to: id)
            return
        }
        guard configuration.access.canShow(user, model: model.name) else {
            sendError(.forbidden, "user \(user.username) may not see \(model.name)", rid: resync.rid, to: id)
            return
        }
        metrics.resyncs += 1
        guard await joinSession(key, model: model, connection: id, rid: resync.rid) else { return }
        guard let session = sessions[key] else { return }
        let since = resync.sinceVersion
        audit(AuditEvent(kind: .resync, key: key, user: user.ref, metadata: ["since_version": .int(since)],
                         createdAtMillis: environment.clock.wallMillis()))
        if since > session.record.version {
            recoverWithSnapshot(key, to: id, rid: resync.rid)
            return
        }
        connections[id]!.sessions[key]!.sentVersion = since
        noteReachUsed(key, from: since)
        if let window = session.windowChanges(after: since) {
            replay(window, key: key, to: id)
            finishResync(key, to: id, rid: resync.rid)
            return
        }
        let slice: ChangeLogSlice
        do {
            if try await waiting(try await reachBack(key, to: since)) {
                guard connections[id]?.sessions[key] != nil else { return }
                if let window = sessions[key]?.windowChanges(after: since) {
                    replay(window, key: key, to: id)
                    finishResync(key, to: id, rid: resync.rid)
                    return
                }
            }
            guard let session = sessions[key] else { return }
            metrics.historyStoreReads += 1
            slice = try await waiting(as: .storeRead,
                try await environment.store.changes(key, after: since, limit: session.record.version - since))
        } catch {
            metrics.storeErrors += 1
            sendError(.internal, "could not read the change log of \(key): \(error)", rid: resync.rid, to: id)
            return
        }
        guard slice.reachesBack, connections[id]?.sessions[key] != nil, let current = sessions[key] else {
            recoverWithSnapshot(key, to: id, rid: resync.rid)
            return
        }
        replay(slice.changes, key: key, to: id)
        // A replay longer than the outbound queue drops the connection (slow consumer) part way through.
        guard let sent = connections[id]?.sessions[key]?.sentVersion else { return }
        guard let rest = current.windowChanges(after: sent) else {
            recoverWithSnapshot(key, to: id, rid: resync.rid)
            return
        }
        replay(rest, key: key, to: id)
        finishResync(key, to: id, rid: resync.rid)
    }

    private func replay(_ changes: [ChangeEntry], key: RecordKey, to id: String) {
        for change in changes {
            guard let sent = connections[id]?.sessions[key]?.sentVersion else { return }
            guard change.version == sent + 1 else { continue }
            connections[id]!.sessions[key]!.sentVersion = change.version
            send(.modelChanged(Messages.modelChanged(change)), to: id)
        }
    }

    private func finishResync(_ key: RecordKey, to id: String, rid: RequestID?) {
        guard let sent = connections[id]?.sessions[key]?.sentVersion else { return }
        let participants = sessions[key]?.presence.participants ?? []
        send(.resynced(Messages.resynced(key, version: sent, recovered: true, participants: participants, rid: rid)), to: id)
    }

    private func recoverWithSnapshot(_ key: RecordKey, to id: String, rid: RequestID?) {
        metrics.resyncsUnrecovered += 1
        sendSnapshot(key, to: id, rid: rid)
        guard let sent = connections[id]?.sessions[key]?.sentVersion else { return }
        let participants = sessions[key]?.presence.participants ?? []
        send(.resynced(Messages.resynced(key, version: sent, recovered: false, participants: participants, rid: rid)), to: id)
    }
}
