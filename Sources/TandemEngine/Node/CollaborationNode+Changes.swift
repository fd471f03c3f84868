import TandemCore

/// What happened to a change the node tried to commit. `indirect` (a pointer, not 297 bytes) because every
/// async frame on the commit path that awaits one holds it, for as long as the connection's task lives.
public indirect enum CommitResult: Sendable, Hashable {
    case committed(ChangeEntry)
    /// Held for a person to settle (manual policy); nothing was committed.
    case conflict(ConflictRecord)
    case rejected(ChangeRejection)
}

extension CollaborationNode {
    func handleFieldChange(_ message: FieldChange, from id: String) async {
        guard let key = joinedKey(message.sessionID, connection: id, rid: message.rid),
              let connection = connections[id], let joined = connection.sessions[key],
              let model = sessions[key]?.model else { return }
        guard let field = model.field(message.field) else {
            sendError(.unknownField, "model \(model.name) has no field \"\(message.field)\"", rid: message.rid, to: id)
            return
        }
        if joined.readOnly || !configuration.access.canEdit(connection.user, model: model, field: field) {
            let why = joined.readOnly ? "joined read-only" : "field \"\(field.name)\" is restricted"
            audit(AuditEvent(kind: .permissionDenied, key: key, user: connection.user.ref, field: field.name,
                             metadata: ["action": "field_change"], createdAtMillis: environment.clock.wallMillis()))
            sendError(.forbidden, "user \(connection.user.username) may not edit \(model.name).\(field.name): \(why)", rid: message.rid, to: id)
            return
        }
        let payload: ChangeRequest.Payload
        switch message.edit {
        case .op(let opJSON):
            guard field.type == .text else {
                sendError(.invalidOp, "field \"\(field.name)\" is \(field.type.rawValue); op is only for text fields", rid: message.rid, to: id)
                return
            }
            do {
                payload = .op(try TextOperation(json: opJSON))
            } catch {
                sendError(.invalidOp, "op: \(error)", rid: message.rid, to: id)
                return
            }
        case .value(let value):
            payload = .value(value)
        }
        connections[id]!.changeCount += 1
        let request = ChangeRequest(
            changeID: message.changeID ?? "\(id)#\(connections[id]!.changeCount)", key: key, field: field.name,
            baseVersion: message.baseVersion, payload: payload, user: connection.user.ref, origin: .ws,
            timestampMillis: environment.clock.wallMillis())
        let result = await commit(request, author: ChangeAuthor(connection: id, rid: message.rid))
        switch result {
        case .committed: break  // the ack went out in version order with the fan-out
        case .conflict(let conflict):
            send(.conflictDetected(Messages.conflictDetected(conflict, rid: message.rid)), to: id)
        case .rejected(let rejection):
            sendError(rejection.code, rejection.message, rid: message.rid, to: id)
        }
    }

    /// Commits a change through the store (the sequencer), retrying after a clash with another node, and
    /// fans it out. The author (if any) gets its `ack` in version order; REST callers pass no author.
    public func commit(_ request: ChangeRequest, author: ChangeAuthor? = nil) async -> CommitResult {
        guard let model = configuration.models[request.key.model], let field = model.field(request.field) else {
            return .rejected(ChangeRejection(.unknownField, "no field \(request.key.model).\(request.field)"))
        }
        await enterGate(request.key)
        defer { leaveGate(request.key) }
        do {
            try await waiting(try await loadSession(request.key, model: model))
            for attempt in 0..<configuration.limits.appendAttemptsMax {
                if attempt > 0 { try await waiting(try await backOff(attempt: attempt)) }
                guard let session = sessions[request.key] else { break }
                if let committed = session.committed(request.changeID, after: request.baseVersion) {
                    return try await waiting(try await duplicate(committed, author: author))
                }
                let history = try await waiting(try await historySince(request.key, version: request.baseVersion))
                guard let current = sessions[request.key] else { break }
                let outcome = ChangeResolver.resolve(request, field: field, record: current.record, history: history)
                switch try await settle(outcome, author: author) {
                case .done(let result): return result
                case .retry: continue
                case .catchUp: try await waiting(try await catchUp(request.key))
                }
            }
            return .rejected(contended(request.key, doing: "commit this change"))
        } catch let rejection as ChangeRejection {
            return .rejected(rejection)
        } catch {
            metrics.storeErrors += 1
            return .rejected(ChangeRejection(.internal, "the store failed, change not committed: \(error)"))
        }
    }

    /// What one append attempt of `commit` came to.
    enum Attempt {
        case done(CommitResult)
        /// Another node's change got there first: read the history again and resolve again.
        case retry
        /// The store is ahead of this node: apply what it has, then try again.
        case catchUp
    }

    /// One attempt of `commit` with the resolver's `outcome`: hold the conflict, or append the change and fan it
    /// out. Each branch is a function of its own, never inlined, that takes the (boxed) outcome and unpacks it
    /// itself: the values of a branch (a change entry, a conflict record: hundreds of bytes each) then live in
    /// that branch's async frame only while it runs, not in `commit`'s for as long as `commit` runs. A task keeps
    /// the slabs of its deepest async frames until it ends, and every connection's task commits: with all of this
    /// inline, `commit`'s frame was 16.5 KB, kept by every connection that ever changed a field
    /// (docs/BENCHMARKS.md, *Simulator*).
    private func settle(_ outcome: ChangeOutcome, author: ChangeAuthor?) async throws -> Attempt {
        switch outcome {
        case .rejected(let rejection): return .done(.rejected(rejection))
        case .conflict: return try await hold(outcome, author: author)
        case .commit: return try await append(outcome, author: author)
        }
    }

    /// `settle` for a conflict held for a person (manual policy).
    @inline(never)
    private func hold(_ outcome: ChangeOutcome, author: ChangeAuthor?) async throws -> Attempt {
        guard case .conflict(let conflict) = outcome else { preconditionFailure("hold takes a conflict") }
        switch try await waiting(try await environment.store.saveConflict(conflict, with: nil)) {
        case .appended:
            metrics.conflictsDetected += 1
            metrics.conflictsManual += 1
            audit(conflictAudit(conflict, kind: .conflictDetected))
            return .done(.conflict(conflict))
        case .versionClash:
            return .retry
        case .duplicate(let committed):
            // A held conflict writes no change, so no id can repeat; answered as the retry it would be.
            return .done(try await duplicate(committed, author: author))
        }
    }

    /// `settle` for a change to commit: appended, integrated and published, or why not.
    @inline(never)
    private func append(_ outcome: ChangeOutcome, author: ChangeAuthor?) async throws -> Attempt {
        guard case .commit(let change, let autoResolved) = outcome else { preconditionFailure("append takes a change") }
        if configuration.ackBeforePersist, let author {
            sendEarlyAck(change, to: author)
        }
        switch try await waiting(as: .storeAppend, try await environment.store.append(change, autoResolved: autoResolved)) {
        case .appended:
            metrics.commits += 1
            if let autoResolved {
                metrics.conflictsDetected += 1
                metrics.conflictsAutoResolved += 1
                audit(conflictAudit(autoResolved, kind: .conflictDetected))
            }
            integrate(change, author: configuration.ackBeforePersist ? nil : author)
            publish(.committed(change))
            return .done(.committed(change))
        case .versionClash:
            metrics.appendClashes += 1
            return .catchUp
        case .duplicate(let committed):
            // A retry older than the window: the store recognised its change id.
            return .done(try await duplicate(committed, author: author))
        }
    }

    /// Awaits `work` as a wait of the frame being handled (not the node's own time: `NodeStage.busy`), and reports
    /// it as `stage` too if given, when the environment asks for stage timings.
    func waiting<T: Sendable>(as stage: NodeStage? = nil, _ work: @autoclosure () async throws -> T) async rethrows -> T {
        guard let stages = environment.stages else { return try await work() }
        let start = environment.clock.nowNanos()
        defer {
            let nanos = environment.clock.nowNanos() - start
            NodeWaits.current?.add(nanos)
            if let stage { stages.observe(stage, nanos: nanos) }
        }
        return try await work()
    }

    /// Times `work` as `stage` when the environment asks for stage timings, without adding it to the frame's waits:
    /// for a store call inside work its caller already awaits as a wait (`waiting`).
    func timed<T: Sendable>(_ stage: NodeStage, _ work: @autoclosure () async throws -> T) async rethrows -> T {
        guard let stages = environment.stages else { return try await work() }
        let start = environment.clock.nowNanos()
        defer { stages.observe(stage, nanos: environment.clock.nowNanos() - start) }
        return try await work()
    }

    /// The answer when every append attempt lost the race to other nodes: `internal` (nothing was committed),
    /// saying so and what to do, and counted, since a steady count means one record is hotter than the store's
    /// round trip allows.
    func contended(_ key: RecordKey, doing what: String) -> ChangeRejection {
        metrics.appendsAbandoned += 1
        return ChangeRejection(
            .internal,
            "could not \(what): \(key.sessionID) is busy (\(configuration.limits.appendAttemptsMax) attempts lost the "
                + "race to changes from other nodes); nothing was committed, resend it with the same change_id")
    }

    /// Waits a random time before retrying an append that lost a race to another node: full jitter,
    /// doubling from `appendBackoffBase` up to `appendBackoffMax`, so two busy nodes cannot starve each other.
    func backOff(attempt: Int) async throws {
        let limits = configuration.limits
        let ceiling = min(limits.appendBackoffMax, limits.appendBackoffBase * (1 << min(attempt - 1, 20)))
        let nanos = Int64(random.nextDouble() * Double(ceiling.nanosecondsClamped))
        if nanos > 0 { try await environment.clock.sleep(for: .nanoseconds(nanos)) }
    }

    /// Committed changes after `version` up to the session's version: from memory, else from the store.
    ///
    /// While the store is read, changes from other nodes may be applied here; the result is completed from the
    /// memory window so that it always ends at the session's current version.
    func historySince(_ key: RecordKey, version: Int) async throws -> [ChangeEntry] {
        noteReachUsed(key, from: version)
        if let window = sessions[key]?.windowChanges(after: version) { return window }
        if try await reachBack(key, to: version), let window = sessions[key]?.windowChanges(after: version) {
            return window
        }
        guard let session = sessions[key] else { return [] }
        metrics.historyStoreReads += 1
        let slice = try await timed(.storeRead,
            try await environment.store.changes(key, after: version, limit: session.record.version - version))
        guard slice.reachesBack, let current = sessions[key] else { return [] }
        var history = slice.changes.filter { $0.version <= current.record.version }
        let reached = history.last?.version ?? version
        if reached < current.record.version, let rest = current.windowChanges(after: reached) { history += rest }
        return history
    }

    /// Grows the window of `key` back to `version` with the changes the store holds between the two, when `version`
    /// is within `historyReachCount` of the record's: every later change or resync based that far back is then served
    /// from memory. True when the window reaches back to `version` afterwards. Its callers have noted the need
    /// (`noteReachUsed`) just before.
    ///
    /// Clients that lag behind a busy record (their deliveries queued for seconds) send every change on a base older
    /// than the window. Reading the log from each one's base cost the server a store read and a decode of every
    /// change since, per change: past its knee the real server spent a quarter of its CPU there, committed less,
    /// and the lag grew (docs/BENCHMARKS.md, "A tenth sitting"). Now the store is read once for the versions the
    /// window lacks, then only for the versions by which the lag grows (`noteReachUsed` keeps the window's length).
    func reachBack(_ key: RecordKey, to version: Int) async throws -> Bool {
        guard let session = sessions[key] else { return false }
        let start = session.history.first?.version ?? session.record.version + 1
        if start <= version + 1 { return true }
        guard session.record.version - version <= configuration.limits.historyReachCount,
              version >= session.skippedThrough else { return false }
        metrics.historyStoreReads += 1
        let slice = try await timed(.storeRead,
            try await environment.store.changes(key, after: version, limit: start - 1 - version))
        guard slice.reachesBack, let current = sessions[key] else { return false }
        return current.prepend(slice.changes, after: version)
    }

    /// Notes that a change or resync based at `version` needs the window further back than its usual size, so that a
    /// window grown back for it keeps its length (`SessionState.reachUsedAt`).
    func noteReachUsed(_ key: RecordKey, from version: Int) {
        guard let session = sessions[key], session.record.version - version > configuration.limits.historyWindowCount
        else { return }
        session.reachUsedAt = session.record.version
    }

    /// Applies every change the store has beyond this node's version (after a clash or a gap).
    func catchUp(_ key: RecordKey) async throws {
        while let version = sessions[key]?.record.version {
            let slice = try await environment.store.changes(key, after: version, limit: configuration.limits.changesPageCount)
            guard slice.reachesBack else {
                try await reloadSession(key)
                return
            }
            for change in slice.changes { integrate(change, author: nil) }
            if slice.changes.count < configuration.limits.changesPageCount { return }
        }
    }

    /// Replaces a session's record with the store's when the log cannot bridge the gap; connections get a snapshot.
    func reloadSession(_ key: RecordKey) async throws {
        guard let stored = try await environment.store.loadRecord(key), let session = sessions[key],
              stored.version > session.record.version else { return }
        session.record = session.model.completing(stored)
        session.history.removeAll()
        session.ahead.removeAll()
        for id in session.localConnections.keys { sendSnapshot(key, to: id, rid: nil) }
    }

    /// A retried change, committed before under the same change id (found in the window or by the store): never
    /// committed twice, and answered without breaking the connection's version order.
    ///
    /// The store may hold the change before this node does: another node committed it and died before publishing it,
    /// or this node's attempt failed after the store had written it. The node then catches up from the store first,
    /// and the author gets `ack` in place of `model_changed` when that version comes, in order. A connection already
    /// sent that version gets the `ack` again (it names an old version and moves nothing on); one behind it, with a
    /// resync replay under way, gets the version from the replay, carrying its change id.
    private func duplicate(_ committed: ChangeEntry, author: ChangeAuthor?) async throws -> CommitResult {
        metrics.duplicateChanges += 1
        guard let author else { return .committed(committed) }
        let key = committed.key
        if let session = sessions[key], session.record.version < committed.version {
            session.awaitingAcks[committed.changeID] = author
            defer { sessions[key]?.awaitingAcks[committed.changeID] = nil }
            try await catchUp(key)
        } else if let sent = connections[author.connection]?.sessions[key]?.sentVersion, sent >= committed.version {
            send(.ack(Messages.ack(committed, rid: author.rid)), to: author.connection)
        }
        return .committed(committed)
    }

    private func sendEarlyAck(_ change: ChangeEntry, to author: ChangeAuthor) {
        send(.ack(Messages.ack(change, rid: author.rid)), to: author.connection)
        if let key = connections[author.connection]?.sessions[change.key] {
            connections[author.connection]!.sessions[change.key]!.sentVersion = max(key.sentVersion, change.version)
        }
    }

    func conflictAudit(_ conflict: ConflictRecord, kind: AuditEvent.Kind) -> AuditEvent {
        AuditEvent(kind: kind, key: conflict.key, user: kind == .conflictDetected ? conflict.localUser : conflict.resolvedBy,
                   field: conflict.field, oldValue: conflict.remoteValue, newValue: conflict.resolvedValue ?? conflict.localValue,
                   metadata: ["conflict_id": .string(conflict.id), "status": .string(conflict.status.rawValue),
                              "method": .string(conflict.resolutionMethod)],
                   createdAtMillis: environment.clock.wallMillis())
    }

    // MARK: Resolution and rollback

    func handleResolve(_ message: ResolveConflict, from id: String) async {
        await settle(conflictID: message.conflictID, sessionID: message.sessionID, rid: message.rid, from: id) {
            conflict, field, record, user, changeID, now throws(ChangeRejection) in
            try ConflictSettlement.resolve(conflict, choice: message.choice, mergedValue: message.value, field: field,
                                           record: record, user: user, changeID: changeID, timestampMillis: now)
        }
    }

    func handleRollback(_ message: Rollback, from id: String) async {
        await settle(conflictID: message.conflictID, sessionID: message.sessionID, rid: message.rid, from: id) {
            conflict, field, record, user, changeID, now throws(ChangeRejection) in
            try ConflictSettlement.rollback(conflict, field: field, record: record, user: user, changeID: changeID,
                                            timestampMillis: now)
        }
    }

    private func settle(
        conflictID: String, sessionID: String, rid: RequestID?, from id: String,
        _ decide: (ConflictRecord, FieldSchema, RecordState, UserRef, String, Int64) throws(ChangeRejection) -> ConflictSettlement.Result
    ) async {
        guard let key = joinedKey(sessionID, connection: id, rid: rid), let connection = connections[id],
              let model = sessions[key]?.model else { return }
        await enterGate(key)
        defer { leaveGate(key) }
        do {
            guard let conflict = try await environment.store.conflict(key, id: conflictID) else {
                sendError(.notFound, "no conflict \"\(conflictID)\" in session \(sessionID)", rid: rid, to: id)
                return
            }
            // A conflict held before a deletion was about a record that is gone, even if its id exists again.
            if let deletion = try await historySince(key, version: conflict.baseVersion).last(where: { $0.kind == .delete }) {
                let rejection = ChangeRejection.deleted(key, at: deletion.version, after: conflict.baseVersion)
                sendError(.notFound, "conflict \(conflictID): " + rejection.message, rid: rid, to: id)
                return
            }
            guard let field = model.field(conflict.field),
                  configuration.access.canEdit(connection.user, model: model, field: field),
                  connections[id]?.sessions[key]?.readOnly == false else {
                sendError(.forbidden, "user \(connection.user.username) may not settle conflicts on \(model.name).\(conflict.field)", rid: rid, to: id)
                return
            }
            for attempt in 0..<configuration.limits.appendAttemptsMax {
                if attempt > 0 { try await backOff(attempt: attempt) }
                guard let record = sessions[key]?.record else { return }
                let result = try decide(conflict, field, record, connection.user.ref, nextID("rs"), environment.clock.wallMillis())
                switch try await environment.store.saveConflict(result.conflict, with: result.change) {
                case .versionClash:
                    metrics.appendClashes += 1
                    try await catchUp(key)
                    continue
                case .duplicate:
                    // The settlement's change has a fresh id: a duplicate means this settlement was stored already.
                    return
                case .appended:
                    audit(conflictAudit(result.conflict, kind: result.conflict.status == .rolledBack ? .rollback : .conflictResolved))
                    if let change = result.change {
                        metrics.commits += 1
                        integrate(change, author: ChangeAuthor(connection: id, rid: rid))
                        publish(.committed(change))
                    }
                    if result.conflict.status == .resolved {
                        broadcastLocal(key, .conflictResolved(Messages.conflictResolved(result.conflict)))
                        publish(.conflictResolved(result.conflict))
                    }
                    return
                }
            }
            sendError(.internal, contended(key, doing: "settle \(conflictID)").message, rid: rid, to: id)
        } catch let rejection as ChangeRejection {
            sendError(rejection.code, rejection.message, rid: rid, to: id)
        } catch {
            metrics.storeErrors += 1
            sendError(.internal, "the store failed, nothing settled: \(error)", rid: rid, to: id)
        }
    }
}
