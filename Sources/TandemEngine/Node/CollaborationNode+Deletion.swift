import TandemCore

/// What happened to a deletion the node tried to commit.
public enum DeleteResult: Sendable, Hashable {
    /// The deletion is durable at its version and went out to the record's participants.
    case deleted(ChangeEntry)
    /// The caller named the version it meant to delete, and the record has moved on since.
    case changedSince(currentVersion: Int)
    case rejected(ChangeRejection)
}

extension CollaborationNode {
    /// Deletes a record as a change: the record's next version is its deletion (`change_type` DELETE in the log),
    /// sequenced by the store like any other change, so every participant on every node gets it in version
    /// order as a `model_changed` with `change_type: "delete"`. Afterwards joins and changes get `not_found`
    /// until a change that `createsRecord` writes it again; the log keeps everything before.
    ///
    /// `baseVersion`, when given, is the version the caller saw: a record changed since is not deleted
    /// (`.changedSince`). A retried deletion (same `changeID`) is answered with the committed one.
    public func delete(
        _ key: RecordKey, baseVersion: Int?, user: UserRef, origin: ChangeOrigin, changeID: String
    ) async -> DeleteResult {
        guard let model = configuration.models[key.model] else {
            return .rejected(ChangeRejection(.notFound, "unknown model \"\(key.model)\""))
        }
        await enterGate(key)
        defer { leaveGate(key) }
        do {
            try await loadSession(key, model: model)
            for attempt in 0..<configuration.limits.appendAttemptsMax {
                if attempt > 0 { try await backOff(attempt: attempt) }
                guard let record = sessions[key]?.record else { break }
                if let duplicate = sessions[key]?.history.last(where: { $0.changeID == changeID }) {
                    metrics.duplicateChanges += 1
                    return .deleted(duplicate)
                }
                if record.deleted { return .rejected(ChangeRejection.deleted(key, at: record.version)) }
                guard record.version > 0 else {
                    return .rejected(ChangeRejection(.notFound, "\(key.model) \"\(key.recordID)\" does not exist"))
                }
                if let baseVersion, baseVersion != record.version {
                    return .changedSince(currentVersion: record.version)
                }
                let deletion = ChangeEntry.deletion(
                    of: record, changeID: changeID, baseVersion: baseVersion ?? record.version, user: user,
                    timestampMillis: environment.clock.wallMillis(), origin: origin)
                switch try await environment.store.append(deletion, autoResolved: nil) {
                case .appended:
                    metrics.commits += 1
                    metrics.deletions += 1
                    audit(AuditEvent(kind: .recordDeleted, key: key, user: user, oldValue: deletion.oldValue,
                                     metadata: ["version": .int(deletion.version), "origin": .string(origin.rawValue)],
                                     createdAtMillis: deletion.timestampMillis))
                    integrate(deletion, author: nil)
                    publish(.committed(deletion))
                    return .deleted(deletion)
                case .versionClash:
                    metrics.appendClashes += 1
                    try await catchUp(key)
                case .duplicate(let committed):
                    metrics.duplicateChanges += 1
                    return .deleted(committed)
                }
            }
            return .rejected(contended(key, doing: "delete the record"))
        } catch let rejection as ChangeRejection {
            return .rejected(rejection)
        } catch {
            metrics.storeErrors += 1
            return .rejected(ChangeRejection(.internal, "the store failed, record not deleted: \(error)"))
        }
    }
}
