/// Settles a held conflict by a person's choice, and rolls a resolution back, each as a new change.
///
/// The log is append-only: neither operation edits history. Resolving with `remote` commits nothing
/// (the committed value stays); `local` and `merged` commit a change with origin `resolution`. A rollback
/// commits the value the field held just before the resolution's change.
public enum ConflictSettlement {
    public struct Result: Sendable, Hashable {
        public var change: ChangeEntry?
        public var conflict: ConflictRecord
    }

    public static func resolve(
        _ conflict: ConflictRecord, choice: ConflictChoice, mergedValue: JSONValue?, field: FieldSchema,
        record: RecordState, user: UserRef, changeID: String, timestampMillis: Int64
    ) throws(ChangeRejection) -> Result {
        try checkExists(record)
        guard conflict.status == .pending else {
            throw ChangeRejection(.invalidMessage, "conflict \(conflict.id) is already \(conflict.status.rawValue)")
        }
        let current = record.fields[field.name] ?? field.defaultValue
        let chosen: JSONValue
        switch choice {
        case .local: chosen = conflict.localValue
        case .remote: chosen = current
        case .merged:
            guard let mergedValue else {
                throw ChangeRejection(.invalidMessage, "resolve_conflict with choice \"merged\" needs a \"value\"")
            }
            if let problem = field.type.validate(mergedValue) {
                throw ChangeRejection(.invalidMessage, "value for field \"\(field.name)\" \(problem)")
            }
            chosen = mergedValue
        }
        var settled = conflict
        settled.status = .resolved
        settled.resolution = choice
        settled.resolvedValue = chosen
        settled.resolvedBy = user
        settled.resolvedAtMillis = timestampMillis
        guard chosen != current else { return Result(change: nil, conflict: settled) }
        var change = change(to: chosen, field: field, record: record, user: user, changeID: changeID,
                            timestampMillis: timestampMillis)
        change.conflictID = conflict.id
        settled.valueBeforeResolution = current
        settled.resolutionVersion = change.version
        return Result(change: change, conflict: settled)
    }

    public static func rollback(
        _ conflict: ConflictRecord, field: FieldSchema, record: RecordState, user: UserRef, changeID: String,
        timestampMillis: Int64
    ) throws(ChangeRejection) -> Result {
        try checkExists(record)
        guard conflict.status == .resolved || conflict.status == .autoResolved else {
            throw ChangeRejection(.invalidMessage, "conflict \(conflict.id) is \(conflict.status.rawValue); only a resolution can be rolled back")
        }
        guard let restore = conflict.valueBeforeResolution else {
            throw ChangeRejection(.invalidMessage, "conflict \(conflict.id) was resolved without a change; nothing to roll back")
        }
        var rolledBack = conflict
        rolledBack.status = .rolledBack
        rolledBack.resolvedBy = user
        rolledBack.resolvedAtMillis = timestampMillis
        var change = change(to: restore, field: field, record: record, user: user, changeID: changeID,
                            timestampMillis: timestampMillis)
        change.conflictID = conflict.id
        return Result(change: change, conflict: rolledBack)
    }

    /// A deleted record's conflicts can no longer be settled: there is no field left to set.
    private static func checkExists(_ record: RecordState) throws(ChangeRejection) {
        if record.deleted { throw ChangeRejection.deleted(record.key, at: record.version) }
    }

    private static func change(
        to value: JSONValue, field: FieldSchema, record: RecordState, user: UserRef, changeID: String,
        timestampMillis: Int64
    ) -> ChangeEntry {
        let request = ChangeRequest(
            changeID: changeID, key: record.key, field: field.name, baseVersion: record.version,
            payload: .value(value), user: user, origin: .resolution, timestampMillis: timestampMillis)
        return ChangeResolver.makeChange(request, field: field, record: record, newValue: value)
    }
}
