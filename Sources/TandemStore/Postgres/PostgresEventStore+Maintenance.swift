import PostgresNIO
import TandemCore
import TandemEngine

extension PostgresEventStore {
    public func prune(olderThanMillis cutoffMillis: Int64) async throws -> PruneCounts {
        let context = "prune older than \(cutoffMillis) ms"
        return try await transaction(context) { connection in
            let boundRows = try await self.rows(
                connection,
                "\(context): find archivable prefixes in ab_model_change_log",
                PruneSQL.bounds { "$\($0)" },
                Self.binds(cutoffMillis, cutoffMillis)
            )
            var changesArchived = 0
            for row in boundRows {
                let (model, recordID, through) = try self.decode(row, (String, String, Int64).self, context)
                changesArchived += try await self.archiveInTransaction(
                    RecordKey(model: model, recordID: recordID),
                    through: through,
                    on: connection
                )
            }
            let columns = Migration.auditColumns
            // One statement, so a row cannot be deleted without being archived.
            let moved = try await self.rows(
                connection,
                "\(context): move ab_collaboration_events to ab_collaboration_events_archive",
                """
                WITH moved AS (DELETE FROM ab_collaboration_events WHERE created_at_ms < $1 RETURNING \(columns)),
                archived AS (INSERT INTO ab_collaboration_events_archive (\(columns)) SELECT \(columns) FROM moved
                             RETURNING 1)
                SELECT count(*) FROM archived
                """,
                Self.binds(cutoffMillis)
            )
            let auditArchived =
                try moved.first.map { row throws(StoreError) in
                    try StoreJSON.int(try self.decode(row, Int64.self, context), context)
                } ?? 0
            return PruneCounts(changesArchivedCount: changesArchived, auditEventsArchivedCount: auditArchived)
        }
    }

    public func archiveChanges(_ key: RecordKey, through version: Int) async throws -> Int {
        try await transaction("archive changes of \(key) through v\(version)") { connection in
            try await self.archiveInTransaction(key, through: Int64(version), on: connection)
        }
    }

    public func cleanupInactiveSessions(olderThanMillis cutoffMillis: Int64) async throws -> Int {
        let context = "clean up sessions idle before \(cutoffMillis) ms: update ab_collaboration_sessions"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(
                connection,
                context,
                """
                WITH cleaned AS (UPDATE ab_collaboration_sessions SET status = 'inactive', participants = '[]'
                                 WHERE status = 'active' AND updated_at_ms < $1 RETURNING 1)
                SELECT count(*) FROM cleaned
                """,
                Self.binds(cutoffMillis)
            )
            return try rows.first.map { row throws(StoreError) in
                try StoreJSON.int(try self.decode(row, Int64.self, context), context)
            } ?? 0
        }
    }

    public func session(_ key: RecordKey) async throws -> StoredSession? {
        try await withConnection("session \(key)") { connection in
            try await self.sessionRow(key, on: connection, lock: false)
        }
    }

    public func auditEvents(_ key: RecordKey) async throws -> [AuditEvent] {
        let context = "audit events of \(key): ab_collaboration_events"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(
                connection,
                context,
                """
                SELECT \(AuditRow.postgresSelect) FROM ab_collaboration_events
                WHERE model_name = $1 AND record_id = $2 ORDER BY id
                """,
                Self.binds(key.model, key.recordID)
            )
            var events: [AuditEvent] = []
            for row in rows {
                events.append(try AuditRow(columns: try self.decode(row, AuditColumns.self, context)).event())
            }
            return events
        }
    }

    public func rowCount(_ table: StoreTable) async throws -> Int {
        let context = "count rows of \(table.rawValue)"
        return try await withConnection(context) { connection in
            let rows = try await self.rows(connection, context, "SELECT count(*) FROM \(table.rawValue)")
            return try StoreJSON.int(try self.decode(rows[0], Int64.self, context), context)
        }
    }

    // MARK: Pieces run inside a transaction

    /// Moves one record's log rows at or below `through` to the archive and records how far the log now starts.
    private func archiveInTransaction(
        _ key: RecordKey,
        through: Int64,
        on connection: PostgresConnection
    ) async throws(StoreError) -> Int {
        let context = "archive \(key) through v\(through)"
        let columns = Migration.changeLogColumns
        let moved = try await rows(
            connection,
            "\(context): move ab_model_change_log to ab_model_change_log_archive",
            """
            WITH moved AS (DELETE FROM ab_model_change_log WHERE model_name = $1 AND record_id = $2 AND version <= $3
                           RETURNING \(columns)),
            archived AS (INSERT INTO ab_model_change_log_archive (\(columns)) SELECT \(columns) FROM moved
                         RETURNING version)
            SELECT count(*), max(version) FROM archived
            """,
            Self.binds(key.model, key.recordID, through)
        )
        let (count, highest) = try decode(moved[0], (Int64, Int64?).self, context)
        guard let highest else { return 0 }
        _ = try await rows(
            connection,
            "\(context): update tandem_records",
            """
            UPDATE tandem_records SET pruned_through = GREATEST(pruned_through, $3)
            WHERE model_name = $1 AND record_id = $2
            """,
            Self.binds(key.model, key.recordID, highest)
        )
        return try StoreJSON.int(count, context)
    }

    /// Folds a batch's events into the session row, creating it on the first join; the row is locked first so
    /// two nodes' batches never lose each other's participants.
    func updateSession(
        _ key: RecordKey,
        with events: [AuditEvent],
        on connection: PostgresConnection
    ) async throws(StoreError) {
        if let join = events.first(where: { $0.kind == .sessionJoined }) {
            _ = try await rows(
                connection,
                "session \(key): insert into ab_collaboration_sessions",
                """
                INSERT INTO ab_collaboration_sessions (session_id, model_name, record_id, created_by, created_at_ms,
                updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (session_id) DO NOTHING
                """,
                {
                    var binds = Self.binds(key.sessionID, key.model, key.recordID)
                    binds.append(join.user.map { Int64($0.id) })
                    binds.append(join.createdAtMillis)
                    binds.append(join.createdAtMillis)
                    return binds
                }()
            )
        }
        guard var session = try await sessionRow(key, on: connection, lock: true) else { return }
        for event in events { session.apply(event) }
        _ = try await rows(
            connection,
            "session \(key): update ab_collaboration_sessions",
            """
            UPDATE ab_collaboration_sessions SET status = $1, updated_at_ms = $2, participants = $3::jsonb
            WHERE session_id = $4
            """,
            Self.binds(
                session.status.rawValue,
                session.updatedAtMillis,
                try StoredSession.participantsJSON(session.participants),
                key.sessionID
            )
        )
    }

    private func sessionRow(
        _ key: RecordKey,
        on connection: PostgresConnection,
        lock: Bool
    ) async throws(StoreError) -> StoredSession? {
        let context = "session \(key): ab_collaboration_sessions"
        let rows = try await rows(
            connection,
            context,
            """
            SELECT status, created_by, created_at_ms, updated_at_ms, participants::text FROM ab_collaboration_sessions
            WHERE session_id = $1\(lock ? " FOR UPDATE" : "")
            """,
            Self.binds(key.sessionID)
        )
        guard let row = rows.first else { return nil }
        let (status, createdBy, createdAt, updatedAt, participants) =
            try decode(row, (String, Int64?, Int64, Int64, String).self, context)
        return StoredSession(
            key: key,
            status: try StoreJSON.enumeration(StoredSession.Status.self, status, context),
            createdBy: try createdBy.map { id throws(StoreError) in try StoreJSON.int(id, context) },
            createdAtMillis: createdAt,
            updatedAtMillis: updatedAt,
            participants: try StoredSession.decodeParticipants(participants)
        )
    }
}
