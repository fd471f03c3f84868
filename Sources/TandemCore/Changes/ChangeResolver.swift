/// Decides what a field change does to a record, as a pure function of the record, the changes committed
/// since the change's base, and the field's type and policy.
///
/// This is the one place where merge rules live; the node actor only sequences and persists what it
/// returns. `history` must hold every committed change with a version in `(baseVersion, record.version]`,
/// oldest first (all fields; only this field's entries matter); older ones before them are passed over.
public enum ChangeResolver {
    public static func resolve(
        _ request: ChangeRequest, field: FieldSchema, record: RecordState, history: [ChangeEntry]
    ) -> ChangeOutcome {
        do {
            return try resolveThrowing(request, field: field, record: record, history: history)
        } catch let rejection {
            return .rejected(rejection)
        }
    }

    private static func resolveThrowing(
        _ request: ChangeRequest, field: FieldSchema, record: RecordState, history: [ChangeEntry]
    ) throws(ChangeRejection) -> ChangeOutcome {
        guard request.baseVersion <= record.version else {
            throw ChangeRejection(.invalidMessage,
                "base_version \(request.baseVersion) is ahead of the record's version \(record.version)")
        }
        // The changes after the base, without copying them: a client lagging behind a busy record sends each change
        // on a base thousands of versions back, and this runs once per change.
        let since = history[(history.firstIndex { $0.version > request.baseVersion } ?? history.endIndex)...]
        guard since.count == record.version - request.baseVersion else {
            throw ChangeRejection(.invalidOp,
                "base_version \(request.baseVersion) is older than the change log reaches; resync and resend")
        }
        try checkExists(request, record: record, since: since)
        let current = record.fields[field.name] ?? field.defaultValue
        let firstOnField = since.first { $0.field == field.name }
        let baseValue = firstOnField?.oldValue ?? current
        if field.type == .text {
            return .commit(try commitText(request, field: field, record: record, base: baseValue,
                                          since: since.lazy.filter { $0.field == field.name }),
                           autoResolved: nil)
        }
        guard case .value(let value) = request.payload else {
            throw ChangeRejection(.invalidOp, "field \"\(field.name)\" is \(field.type.rawValue); op is only for text fields")
        }
        if let problem = field.type.validate(value) {
            throw ChangeRejection(.invalidMessage, "value for field \"\(field.name)\" \(problem)")
        }
        guard firstOnField != nil, value != current else {
            return .commit(makeChange(request, field: field, record: record, newValue: value), autoResolved: nil)
        }
        let (merged, paths) = try merge(field: field, base: baseValue, local: value, remote: current)
        if paths.isEmpty {
            return .commit(makeChange(request, field: field, record: record, newValue: merged), autoResolved: nil)
        }
        var conflict = ConflictRecord(
            id: "cf-\(request.changeID)", key: record.key, field: field.name, fieldType: field.type,
            policy: field.policy, baseVersion: request.baseVersion, localValue: value, remoteValue: current,
            localUser: request.user, remoteUser: since.last { $0.field == field.name }?.user, paths: paths,
            status: field.policy == .manual ? .pending : .autoResolved, createdAtMillis: request.timestampMillis)
        guard field.policy == .lastWriterWins else { return .conflict(conflict) }
        var change = makeChange(request, field: field, record: record, newValue: merged)
        change.conflictID = conflict.id
        conflict.resolution = .local
        conflict.resolvedValue = merged
        conflict.valueBeforeResolution = current
        conflict.resolutionVersion = change.version
        conflict.resolvedAtMillis = request.timestampMillis
        return .commit(change, autoResolved: conflict)
    }

    /// Refuses a change to a deleted record, or one based on a version from before a deletion (it edited a record
    /// that is gone, even if the id was created again since). Only a request that `createsRecord` may write a
    /// deleted record, based on the deletion's version.
    private static func checkExists(
        _ request: ChangeRequest, record: RecordState, since: ArraySlice<ChangeEntry>
    ) throws(ChangeRejection) {
        if let deletion = since.last(where: { $0.kind == .delete }) {
            throw ChangeRejection.deleted(record.key, at: deletion.version, after: request.baseVersion)
        }
        if record.deleted, !request.createsRecord { throw ChangeRejection.deleted(record.key, at: record.version) }
    }

    /// Merges a value-type field; returns the merged value (the local side wins conflicting parts) and the
    /// conflicting paths (empty when the two sides did not collide).
    private static func merge(
        field: FieldSchema, base: JSONValue, local: JSONValue, remote: JSONValue
    ) throws(ChangeRejection) -> (JSONValue, [[String]]) {
        switch field.type {
        case .json:
            let result = JSONMerge.merge(base: base, local: local, remote: remote, onConflict: .local)
            return (result.merged, result.conflicts.map(\.path))
        case .list:
            do {
                let result = try ListMerge.merge(base: base, local: local, remote: remote, onConflict: .local)
                return (result.merged, result.conflicts.map { [$0.itemID.description] })
            } catch {
                throw ChangeRejection(.invalidMessage, "value for field \"\(field.name)\": \(error)")
            }
        default:
            return (local, [[]])
        }
    }

    private static func commitText(
        _ request: ChangeRequest, field: FieldSchema, record: RecordState, base: JSONValue,
        since: some Sequence<ChangeEntry>
    ) throws(ChangeRejection) -> ChangeEntry {
        guard case .string(let baseText) = base, case .string(let currentText) = record.fields[field.name] ?? .string("")
        else { throw ChangeRejection(.internal, "text field \"\(field.name)\" holds a non-string value") }
        var op: TextOperation
        switch request.payload {
        case .op(let incoming): op = incoming
        case .value(let value):
            guard case .string(let newText) = value else {
                throw ChangeRejection(.invalidMessage, "value for text field \"\(field.name)\" must be a string, got \(value.typeName)")
            }
            op = TextOperation.diff(from: baseText, to: newText)
        }
        let baseLength = baseText.utf16.count
        guard op.baseLength == baseLength else {
            throw ChangeRejection(.invalidOp,
                "op spans \(op.baseLength) UTF-16 units but field \"\(field.name)\" has \(baseLength) at version \(request.baseVersion)")
        }
        do {
            _ = try op.apply(to: baseText)
            for change in since {
                guard let committed = change.op else {
                    throw ChangeRejection(.internal, "text change v\(change.version) has no op in the log")
                }
                op = try TextOperation.transform(op, committed).0
            }
            let newText = try op.apply(to: currentText)
            return makeChange(request, field: field, record: record, newValue: .string(newText), op: op)
        } catch let rejection as ChangeRejection {
            throw rejection
        } catch {
            throw ChangeRejection(.invalidOp, "op for field \"\(field.name)\": \(error)")
        }
    }

    /// The next committed change that sets `field` to `newValue` (for text, with the op from the current text).
    public static func makeChange(
        _ request: ChangeRequest, field: FieldSchema, record: RecordState, newValue: JSONValue, op: TextOperation? = nil
    ) -> ChangeEntry {
        let oldValue = record.fields[field.name] ?? field.defaultValue
        var op = op
        if op == nil, field.type == .text, case .string(let old) = oldValue, case .string(let new) = newValue {
            op = TextOperation.diff(from: old, to: new)
        }
        return ChangeEntry(
            changeID: request.changeID, key: record.key, field: field.name, version: record.version + 1,
            baseVersion: request.baseVersion, op: op, oldValue: oldValue, newValue: newValue, user: request.user,
            timestampMillis: request.timestampMillis, origin: request.origin, kind: record.nextChangeKind)
    }
}
