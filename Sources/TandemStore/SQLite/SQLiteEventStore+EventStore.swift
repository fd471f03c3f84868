import TandemCore
import TandemEngine

extension SQLiteEventStore {
    public func loadRecord(_ key: RecordKey) throws -> RecordState? {
        try recordRow(key, context: "load \(key): tandem_records")?.state()
    }

    public func records(model: String, offset: Int, limit: Int) throws -> (total: Int, records: [RecordState]) {
        let context = "list \(model) records: tandem_records"
        var total: Int64 = 0
        try connection.query(
            "SELECT COUNT(*) FROM tandem_records WHERE model_name = ? AND deleted = 0",
            [.text(model)],
            context: context
        ) { row in total = row.integer(0) }
        var rows: [RecordRow] = []
        try connection.query(
            """
            SELECT \(RecordRow.sqliteColumns) FROM tandem_records WHERE model_name = ? AND deleted = 0
            ORDER BY record_id COLLATE BINARY LIMIT ? OFFSET ?
            """,
            [.text(model), .integer(Int64(max(0, limit))), .integer(Int64(max(0, offset)))],
            context: context
        ) { row in rows.append(RecordRow(sqlite: row)) }
        var states: [RecordState] = []
        states.reserveCapacity(rows.count)
        for row in rows { states.append(try row.state()) }
        return (Int(total), states)
    }

    /// One upsert in the write transaction SQLite serializes (processes sharing the file included).
    public func nextRecordID(model: String) throws -> Int {
        var next: Int64 = 0
        try connection.transaction("next \(model) id: tandem_record_sequences") { () throws(StoreError) in
            try connection.query(
                """
                INSERT INTO tandem_record_sequences (model_name, last_value)
                VALUES (?, (SELECT COALESCE(MAX(CAST(record_id AS INTEGER)), 0) + 1 FROM tandem_records
                            WHERE model_name = ? AND record_id <> '' AND record_id NOT GLOB '*[^0-9]*'
                            AND length(record_id) <= \(RecordIDSequence.digitsMax)))
                ON CONFLICT (model_name) DO UPDATE
                SET last_value = MAX(tandem_record_sequences.last_value + 1, excluded.last_value)
                RETURNING last_value
                """,
                [.text(model), .text(model)],
                context: "next \(model) id: tandem_record_sequences"
            ) { row in next = row.integer(0) }
        }
        return Int(next)
    }

    public func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) throws -> AppendResult {
        let changeRow = try ChangeRow(change)
        let conflictRow = try autoResolved.map { conflict throws(StoreError) in try ConflictRow(conflict) }
        return try connection.transaction("append \(change.key) v\(change.version)") { () throws(StoreError) in
            let result = try appendInTransaction(change, row: changeRow)
            if result == .appended, let conflictRow { try upsertConflict(conflictRow) }
            return result
        }
    }

    public func changes(_ key: RecordKey, after version: Int, limit: Int) throws -> ChangeLogSlice {
        let context = "changes of \(key) after v\(version): ab_model_change_log"
        var rows: [ChangeRow] = []
        try connection.query(
            """
            SELECT \(ChangeRow.columns) FROM ab_model_change_log
            WHERE model_name = ? AND record_id = ? AND version > ? ORDER BY version LIMIT ?
            """,
            [.text(key.model), .text(key.recordID), .integer(Int64(version)), .integer(Int64(max(0, limit)))],
            context: context
        ) { row in rows.append(ChangeRow(sqlite: row)) }
        var entries: [ChangeEntry] = []
        entries.reserveCapacity(rows.count)
        for row in rows { entries.append(try row.entry()) }
        if ChangeLogSlicing.startsRightAfter(version, rows: entries) {
            return ChangeLogSlice(changes: entries, reachesBack: true)
        }
        let pruned = try recordRow(key, context: "changes of \(key): tandem_records")?.prunedThrough ?? 0
        return try ChangeLogSlicing.slice(after: version, rows: entries, prunedThrough: Int(pruned))
    }

    public func change(_ key: RecordKey, id: String) throws -> ChangeEntry? {
        try committedChange(key, id: id)
    }

    private func committedChange(_ key: RecordKey, id: String) throws(StoreError) -> ChangeEntry? {
        var found: ChangeRow?
        try connection.query(
            """
            SELECT \(ChangeRow.columns) FROM ab_model_change_log
            WHERE model_name = ? AND record_id = ? AND change_id = ?
            """,
            [.text(key.model), .text(key.recordID), .text(id)],
            context: "change \(id) of \(key): ab_model_change_log"
        ) { row in found = ChangeRow(sqlite: row) }
        return try found?.entry()
    }

    public func saveConflict(_ conflict: ConflictRecord, with change: ChangeEntry?) throws -> AppendResult {
        let conflictRow = try ConflictRow(conflict)
        let changeRow = try change.map { change throws(StoreError) in try ChangeRow(change) }
        return try connection.transaction("save conflict \(conflict.id) of \(conflict.key)") { () throws(StoreError) in
            if let change, let changeRow {
                let result = try appendInTransaction(change, row: changeRow)
                guard result == .appended else { return result }
            }
            try upsertConflict(conflictRow)
            return .appended
        }
    }

    public func conflict(_ key: RecordKey, id: String) throws -> ConflictRecord? {
        var found: ConflictRow?
        try connection.query(
            """
            SELECT \(ConflictRow.columns) FROM ab_collaboration_conflicts
            WHERE model_name = ? AND record_id = ? AND conflict_id = ?
            """,
            [.text(key.model), .text(key.recordID), .text(id)],
            context: "conflict \(id) of \(key): ab_collaboration_conflicts"
        ) { row in found = ConflictRow(sqlite: row) }
        return try found?.conflict()
    }

    /// Stores a comment once: appending the same comment id again (a retry) changes nothing.
    public func appendComment(_ comment: Comment, to key: RecordKey) throws {
        try connection.run(
            """
            INSERT INTO tandem_comments (\(CommentRow.columns)) VALUES (\(SQLText.questionMarks(10)))
            ON CONFLICT (model_name, record_id, comment_id) DO NOTHING
            """,
            CommentRow(comment, key: key).sqliteValues,
            context: "append comment \(comment.id) to \(key): insert into tandem_comments"
        )
    }

    public func comments(_ key: RecordKey) throws -> [Comment] {
        var rows: [CommentRow] = []
        try connection.query(
            "SELECT \(CommentRow.columns) FROM tandem_comments WHERE model_name = ? AND record_id = ? ORDER BY id",
            [.text(key.model), .text(key.recordID)],
            context: "comments of \(key): tandem_comments"
        ) { row in rows.append(CommentRow(sqlite: row)) }
        var comments: [Comment] = []
        for row in rows { comments.append(try row.comment()) }
        return comments
    }

    /// Appends the events and folds them into their sessions' rows, all in one transaction.
    public func appendAudit(_ events: [AuditEvent]) throws {
        guard !events.isEmpty else { return }
        var rows: [AuditRow] = []
        for event in events { rows.append(try AuditRow(event)) }
        try connection.transaction("append \(events.count) audit events") { () throws(StoreError) in
            for row in rows {
                try connection.run(
                    "INSERT INTO ab_collaboration_events (\(AuditRow.columns)) VALUES (\(SQLText.questionMarks(11)))",
                    row.sqliteValues,
                    context: "append audit \(row.eventType): insert into ab_collaboration_events"
                )
            }
            for (key, sessionEvents) in StoredSession.plan(events) { try updateSession(key, with: sessionEvents) }
        }
    }

    // MARK: Pieces run inside a transaction

    /// The version check and the writes of one change; the caller holds the write lock (`BEGIN IMMEDIATE`).
    private func appendInTransaction(_ change: ChangeEntry, row: ChangeRow) throws(StoreError) -> AppendResult {
        let current = try recordRow(change.key, context: "append \(change.key): tandem_records")
        guard let next = try RecordRow.applying(change, to: current) else {
            if let committed = try committedChange(change.key, id: change.changeID) { return .duplicate(committed) }
            return .versionClash(currentVersion: Int(current?.version ?? 0))
        }
        let inserted = try connection.run(
            """
            INSERT INTO ab_model_change_log (\(ChangeRow.columns)) VALUES (\(SQLText.questionMarks(ChangeRow.columnCount)))
            ON CONFLICT (model_name, record_id, change_id) DO NOTHING
            """,
            row.sqliteValues,
            context: "append \(change.key) v\(change.version): insert into ab_model_change_log"
        )
        if inserted == 0, let committed = try committedChange(change.key, id: change.changeID) {
            return .duplicate(committed)
        }
        let record = try RecordRow(next, prunedThrough: current?.prunedThrough ?? 0)
        try connection.run(
            """
            INSERT INTO tandem_records (\(RecordRow.sqliteColumns))
            VALUES (\(SQLText.questionMarks(RecordRow.sqliteColumnCount)))
            ON CONFLICT (model_name, record_id) DO UPDATE SET version = excluded.version, fields = excluded.fields,
            field_versions = excluded.field_versions, deleted = excluded.deleted
            """,
            record.sqliteValues,
            context: "append \(change.key) v\(change.version): upsert tandem_records"
        )
        return .appended
    }

    private func upsertConflict(_ row: ConflictRow) throws(StoreError) {
        try connection.run(
            """
            INSERT INTO ab_collaboration_conflicts (\(ConflictRow.columns)) VALUES (\(SQLText.questionMarks(18)))
            ON CONFLICT (model_name, record_id, conflict_id) DO UPDATE SET \(SQLText.overwrite(ConflictRow.columns))
            """,
            row.sqliteValues,
            context: "save conflict \(row.conflictID): upsert ab_collaboration_conflicts"
        )
    }

    func recordRow(_ key: RecordKey, context: @autoclosure () -> String) throws(StoreError) -> RecordRow? {
        var found: RecordRow?
        try connection.query(
            "SELECT \(RecordRow.sqliteColumns) FROM tandem_records WHERE model_name = ? AND record_id = ?",
            [.text(key.model), .text(key.recordID)],
            context: context()
        ) { row in found = RecordRow(sqlite: row) }
        return found
    }
}
