import TandemCore
import TandemRuntime

extension CollaborationNode {
    /// Applies a committed change to the session and sends it to local connections in version order.
    ///
    /// A change ahead of a gap waits in `ahead` while the gap is filled from the store; a change this node
    /// already applied is ignored. With gap recovery off (the pub/sub demonstration), a gap is skipped:
    /// the node jumps to the new version and its clients silently miss the changes in between.
    func integrate(_ change: ChangeEntry, author: ChangeAuthor?) {
        // The session is a class: one lookup (hashing the record key's strings) serves the whole change.
        guard let session = sessions[change.key] else { return }
        integrate(change, author: author, into: session)
    }

    /// `integrate` into the change's session, already looked up.
    func integrate(_ change: ChangeEntry, author: ChangeAuthor?, into session: SessionState) {
        let version = session.record.version
        if change.version <= version { return }
        if change.version > version + 1 {
            if configuration.gapRecovery {
                session.ahead[change.version] = change
                startGapFill(change.key)
                return
            }
            session.record.version = change.version - 1
            session.skippedThrough = change.version - 1
            session.history.removeAll()
        }
        apply(change, author: author, in: session)
        if !session.ahead.isEmpty { drainAhead(change.key) }
    }

    private func drainAhead(_ key: RecordKey) {
        while let session = sessions[key], let next = session.ahead[session.record.version + 1] {
            session.ahead.removeValue(forKey: next.version)
            apply(next, author: nil, in: session)
        }
        if let session = sessions[key], !session.ahead.isEmpty {
            session.ahead = session.ahead.filter { $0.key > session.record.version }
        }
    }

    /// Applies `change` to `session` (the session of its record, a class: mutated in place) and fans it out.
    private func apply(_ change: ChangeEntry, author: ChangeAuthor?, in session: SessionState) {
        let start = environment.stages == nil ? 0 : environment.clock.nowNanos()
        defer { environment.stages?.observe(.fanout, nanos: environment.clock.nowNanos() - start) }
        session.record.apply(change)
        if change.kind == .insert {
            // A record created again after a deletion starts from the model's defaults, like a new one.
            session.record = session.model.completing(session.record)
        }
        session.history.append(change)
        // A window grown back past its size for lagging clients (`reachBack`) keeps its length while they use it, and
        // shrinks by one more change per commit once they have not for a window's worth of commits.
        let window = configuration.limits.historyWindowCount
        if session.history.count > window {
            let unused = session.record.version - session.reachUsedAt > window
            session.history.removeFirst(unused && session.history.count > window + 1 ? 2 : 1)
        }
        let author =
            author ?? (session.awaitingAcks.isEmpty ? nil : session.awaitingAcks.removeValue(forKey: change.changeID))
        // One frame for every recipient but the author (whose `ack` is its own): encoded once per change.
        let changed = SharedFrame(.modelChanged(Messages.modelChanged(change)))
        // No lookup per recipient (this loop runs once per delivery): each member holds its connection and its
        // joined session. A member that left while the loop ran (a slow consumer closed by an earlier send) is skipped.
        for member in session.localConnections.values {
            let joined = member.joined
            guard !joined.left else { continue }
            if configuration.gapRecovery {
                guard joined.sentVersion == change.version - 1 else { continue }
            } else {
                guard joined.sentVersion < change.version else { continue }
            }
            joined.sentVersion = change.version
            if let author, author.connection == member.connection.id {
                send(.ack(Messages.ack(change, rid: author.rid)), to: member.connection.id)
            } else {
                send(changed, to: member.connection)
            }
        }
    }

    /// Fetches the changes behind a gap from the store, once at a time per session.
    func startGapFill(_ key: RecordKey) {
        guard configuration.gapRecovery, let session = sessions[key], !session.gapFillRunning else { return }
        readStore(key)
    }

    /// The store holds `version` of `key`, written there by another application (the database announced it): a
    /// session open here catches up from the change log, so its participants get each change once and in version
    /// order, as `model_changed` with the change's origin. A version the session has is ignored (the engine's own
    /// writes, or an announcement that arrives after a catch-up already read it).
    ///
    /// While a catch-up runs, one more follows it: the running one may have read the log before this write committed.
    public func storeAdvanced(_ key: RecordKey, to version: Int) {
        guard running, let session = sessions[key], version > session.record.version else { return }
        if session.gapFillRunning {
            session.storeReadAgain = true
        } else {
            readStore(key)
        }
    }

    /// Every open session catches up from the store: announcements of outside writes may have been missed (the
    /// node's connection to the database was down, or it had just started listening).
    public func catchUpFromStore() {
        for key in sessions.keys.sorted() { storeAdvanced(key, to: Int.max) }
    }

    private func readStore(_ key: RecordKey) {
        guard let session = sessions[key] else { return }
        session.gapFillRunning = true
        metrics.gapFills += 1
        spawn { me in await me.fillGap(key) }
    }

    private func fillGap(_ key: RecordKey) async {
        do {
            try await catchUp(key)
        } catch {
            metrics.storeErrors += 1
        }
        guard let session = sessions[key] else { return }
        session.gapFillRunning = false
        if session.storeReadAgain {
            session.storeReadAgain = false
            readStore(key)
        }
    }
}
