import PostgresNIO
import TandemCore
import TandemEngine

extension PostgresEventStore {
    public func loadRecord(_ key: RecordKey) async throws -> RecordState? {
        try await withConnection("load \(key)") { connection in
            try await self.recordRow(key, on: connection)?.state()
        }
    }

    public func records(model: String, offset: Int, limit: Int) async throws -> (total: Int, records: [RecordState]) {
        let context = "list \(model) records: tandem_records"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(
                connection,
                context,
                """
                SELECT \(RecordRow.postgresSelect), count(*) OVER () FROM tandem_records
                WHERE model_name = $1 AND deleted = 0 ORDER BY record_id COLLATE "C" LIMIT $2 OFFSET $3
                """,
                Self.binds(model, Int64(max(0, limit)), Int64(max(0, offset)))
            )
            var total = 0
            var states: [RecordState] = []
            states.reserveCapacity(rows.count)
            for row in rows {
                let columns = try self.decode(row, RecordPageColumns.self, context)
                total = Int(columns.7)
                states.append(
                    try RecordRow(
                        postgres: (columns.0, columns.1, columns.2, columns.3, columns.4, columns.5, columns.6)
                    ).state()
                )
            }
            if rows.isEmpty {
                total = try await self.recordCount(model: model, on: connection, context: context)
            }
            return (total, states)
        }
    }

    /// One upsert: a concurrent claim of the same model waits on the row's lock and then counts on from the
    /// value the first committed, so two nodes never claim one key.
    public func nextRecordID(model: String) async throws -> Int {
        let context = "next \(model) id: tandem_record_sequences"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(
                connection,
                context,
                """
                INSERT INTO tandem_record_sequences (model_name, last_value)
                VALUES ($1, (SELECT COALESCE(MAX(record_id::BIGINT), 0) + 1 FROM tandem_records
                             WHERE model_name = $1 AND record_id ~ '^[0-9]{1,\(RecordIDSequence.digitsMax)}$'))
                ON CONFLICT (model_name) DO UPDATE
                SET last_value = GREATEST(tandem_record_sequences.last_value + 1, EXCLUDED.last_value)
                RETURNING last_value
                """,
                Self.binds(model)
            )
            guard let row = rows.first else { throw StoreError("\(context): the upsert returned no row") }
            let next: Int64 = try self.decode(row, Int64.self, context)
            return Int(next)
        }
    }

    private typealias RecordPageColumns = (String, String, Int64, String, String, Int64, Int64, Int64)

    private func recordCount(
        model: String,
        on connection: PostgresConnection,
        context: String
    ) async throws(StoreError) -> Int {
        let rows = try await rows(
            connection,
            context,
            "SELECT count(*) FROM tandem_records WHERE model_name = $1 AND deleted = 0",
            Self.binds(model)
        )
        guard let row = rows.first else { return 0 }
        let count: Int64 = try decode(row, Int64.self, context)
        return Int(count)
    }

    /// Without an auto-resolved conflict the append is one statement (one round trip, atomic on its own);
    /// with one, that statement and the conflict's upsert share a transaction.
    public func append(_ change: ChangeEntry, autoResolved: ConflictRecord?) async throws -> AppendResult {
        let changeRow = try ChangeRow(change)
        let context = "append \(change.key) v\(change.version)"
        guard let autoResolved else {
            return try await withConnection(context) { connection in
                try await self.appendStatement(change, row: changeRow, on: connection)
            }
        }
        let conflictRow = try ConflictRow(autoResolved)
        return try await transaction(context) { connection in
            let result = try await self.appendStatement(change, row: changeRow, on: connection)
            if result == .appended { try await self.upsertConflict(conflictRow, on: connection) }
            return result
        }
    }

    public func changes(_ key: RecordKey, after version: Int, limit: Int) async throws -> ChangeLogSlice {
        let context = "changes of \(key) after v\(version): ab_model_change_log"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(
                connection,
                context,
                """
                SELECT \(ChangeRow.postgresSelect) FROM ab_model_change_log
                WHERE model_name = $1 AND record_id = $2 AND version > $3 ORDER BY version LIMIT $4
                """,
                Self.binds(key.model, key.recordID, Int64(version), Int64(max(0, limit)))
            )
            var entries: [ChangeEntry] = []
            entries.reserveCapacity(rows.count)
            for row in rows {
                entries.append(
                    try ChangeRow(postgres: try self.decode(row, ChangeRow.PostgresColumns.self, context)).entry()
                )
            }
            if ChangeLogSlicing.startsRightAfter(version, rows: entries) {
                return ChangeLogSlice(changes: entries, reachesBack: true)
            }
            let pruned = try await self.recordRow(key, on: connection)?.prunedThrough ?? 0
            return try ChangeLogSlicing.slice(after: version, rows: entries, prunedThrough: Int(pruned))
        }
    }

    public func change(_ key: RecordKey, id: String) async throws -> ChangeEntry? {
        try await withConnection("change \(id) of \(key): ab_model_change_log") { connection in
            try await self.committedChange(key, id: id, on: connection)
        }
    }

    private func committedChange(
        _ key: RecordKey, id: String, on connection: PostgresConnection
    ) async throws(StoreError) -> ChangeEntry? {
        let context = "change \(id) of \(key): ab_model_change_log"
        let rows = try await self.rows(
            connection,
            context,
            """
            SELECT \(ChangeRow.postgresSelect) FROM ab_model_change_log
            WHERE model_name = $1 AND record_id = $2 AND change_id = $3
            """,
            Self.binds(key.model, key.recordID, id)
        )
        return try rows.first.map { row throws(StoreError) in
            try ChangeRow(postgres: try self.decode(row, ChangeRow.PostgresColumns.self, context)).entry()
        }
    }

    public func saveConflict(_ conflict: ConflictRecord, with change: ChangeEntry?) async throws -> AppendResult {
        let conflictRow = try ConflictRow(conflict)
        let changeRow = try change.map { change throws(StoreError) in try ChangeRow(change) }
        return try await transaction("save conflict \(conflict.id) of \(conflict.key)") { connection in
            if let change, let changeRow {
                let result = try await self.appendStatement(change, row: changeRow, on: connection)
                guard result == .appended else { return result }
            }
            try await self.upsertConflict(conflictRow, on: connection)
            return .appended
        }
    }

    public func conflict(_ key: RecordKey, id: String) async throws -> ConflictRecord? {
        let context = "conflict \(id) of \(key): ab_collaboration_conflicts"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(
                connection,
                context,
                """
                SELECT \(ConflictRow.postgresSelect) FROM ab_collaboration_conflicts
                WHERE model_name = $1 AND record_id = $2 AND conflict_id = $3
                """,
                Self.binds(key.model, key.recordID, id)
            )
            return try rows.first.map { row throws(StoreError) in
                try ConflictRow(columns: try self.decode(row, ConflictColumns.self, context)).conflict()
            }
        }
    }

    /// Stores a comment once: appending the same comment id again (a retry) changes nothing.
    public func appendComment(_ comment: Comment, to key: RecordKey) async throws {
        let row = CommentRow(comment, key: key)
        let context = "append comment \(comment.id) to \(key): insert into tandem_comments"
        try await withConnection(context) { connection in
            _ = try await self.rows(
                connection,
                context,
                """
                INSERT INTO tandem_comments (\(CommentRow.columns)) VALUES (\(CommentRow.postgresValues))
                ON CONFLICT (model_name, record_id, comment_id) DO NOTHING
                """,
                row.postgresBinds
            )
        }
    }

    public func comments(_ key: RecordKey) async throws -> [Comment] {
        let context = "comments of \(key): tandem_comments"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(
                connection,
                context,
                """
                SELECT \(CommentRow.columns) FROM tandem_comments
                WHERE model_name = $1 AND record_id = $2 ORDER BY id
                """,
                Self.binds(key.model, key.recordID)
            )
            var comments: [Comment] = []
            for row in rows {
                comments.append(
                    try CommentRow(postgres: try self.decode(row, CommentRow.PostgresColumns.self, context)).comment()
                )
            }
            return comments
        }
    }

    /// Appends the events and folds them into their sessions' rows, all in one transaction.
    public func appendAudit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        var rows: [AuditRow] = []
        for event in events { rows.append(try AuditRow(event)) }
        let auditRows = rows
        try await transaction("append \(events.count) audit events") { connection in
            for row in auditRows {
                _ = try await self.rows(
                    connection,
                    "append audit \(row.eventType): insert into ab_collaboration_events",
                    "INSERT INTO ab_collaboration_events (\(AuditRow.columns)) VALUES (\(AuditRow.postgresValues))",
                    row.postgresBinds
                )
            }
            for (key, sessionEvents) in StoredSession.plan(events) {
                try await self.updateSession(key, with: sessionEvents, on: connection)
            }
        }
    }

    // MARK: Pieces run inside a transaction

    /// The version check and the writes of one change, as a single statement: a conditional UPDATE of the
    /// record (or, for version 1, an INSERT that yields to an existing row) feeding the change-log INSERT. A
    /// concurrent append of the same record waits on the row lock, then re-checks the version and finds it moved.
    private func appendStatement(
        _ change: ChangeEntry,
        row: ChangeRow,
        on connection: PostgresConnection
    ) async throws(StoreError) -> AppendResult {
        let context = "append \(change.key) v\(change.version)"
        guard change.version >= 1 else {
            return .versionClash(currentVersion: Int(try await recordRow(change.key, on: connection)?.version ?? 0))
        }
        // Binds are the change row's: $1 change id, $2 model, $3 record, $5 field, $6 version, $10 new value (JSON
        // text). A change id already in the record's log advances nothing (`fresh`): the retry is a duplicate.
        let fresh = """
            NOT EXISTS (SELECT 1 FROM ab_model_change_log WHERE model_name = $2 AND record_id = $3 AND change_id = $1)
            """
        let advance: String
        if change.kind == .delete {
            advance = """
                UPDATE tandem_records SET version = $6, fields = '{}'::jsonb, field_versions = '{}'::jsonb, deleted = 1
                WHERE model_name = $2 AND record_id = $3 AND version = $6 - 1 AND \(fresh) RETURNING version
                """
        } else if change.version == 1 {
            advance = """
                INSERT INTO tandem_records (model_name, record_id, version, fields, field_versions, pruned_through)
                SELECT $2, $3, $6, jsonb_build_object($5::text, $10::jsonb), jsonb_build_object($5::text, $6::bigint), 0
                WHERE \(fresh)
                ON CONFLICT (model_name, record_id) DO NOTHING RETURNING version
                """
        } else {
            // A change to a deleted record creates it again: `fields` is empty then, and `deleted` goes back to 0.
            advance = """
                UPDATE tandem_records SET version = $6, fields = fields || jsonb_build_object($5::text, $10::jsonb),
                    field_versions = field_versions || jsonb_build_object($5::text, $6::bigint), deleted = 0
                WHERE model_name = $2 AND record_id = $3 AND version = $6 - 1 AND \(fresh) RETURNING version
                """
        }
        let appended = try await rows(
            connection,
            "\(context): update tandem_records and insert into ab_model_change_log",
            """
            WITH advanced AS (\(advance))
            INSERT INTO ab_model_change_log (\(ChangeRow.columns)) SELECT \(ChangeRow.postgresValues) FROM advanced
            RETURNING version
            """,
            row.postgresBinds
        )
        guard appended.isEmpty else { return .appended }
        if let committed = try await committedChange(change.key, id: change.changeID, on: connection) {
            return .duplicate(committed)
        }
        return .versionClash(currentVersion: Int(try await recordRow(change.key, on: connection)?.version ?? 0))
    }

    private func upsertConflict(_ row: ConflictRow, on connection: PostgresConnection) async throws(StoreError) {
        _ = try await rows(
            connection,
            "save conflict \(row.conflictID): upsert ab_collaboration_conflicts",
            """
            INSERT INTO ab_collaboration_conflicts (\(ConflictRow.columns)) VALUES (\(ConflictRow.postgresValues))
            ON CONFLICT (model_name, record_id, conflict_id) DO UPDATE SET \(SQLText.overwrite(ConflictRow.columns))
            """,
            row.postgresBinds
        )
    }

    func recordRow(_ key: RecordKey, on connection: PostgresConnection) async throws(StoreError) -> RecordRow? {
        let context = "read tandem_records \(key)"
        let rows = try await rows(
            connection,
            context,
            """
            SELECT \(RecordRow.postgresSelect) FROM tandem_records WHERE model_name = $1 AND record_id = $2
            """,
            Self.binds(key.model, key.recordID)
        )
        return try rows.first.map { row throws(StoreError) in
            RecordRow(postgres: try decode(row, RecordRow.PostgresColumns.self, context))
        }
    }
}
