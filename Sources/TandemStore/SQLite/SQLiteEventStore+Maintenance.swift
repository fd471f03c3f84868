import TandemCore
import TandemEngine

extension SQLiteEventStore {
    public func prune(olderThanMillis cutoffMillis: Int64) throws -> PruneCounts {
        try connection.transaction("prune older than \(cutoffMillis) ms") { () throws(StoreError) in
            var bounds: [(key: RecordKey, through: Int64)] = []
            try connection.query(
                PruneSQL.bounds(placeholder: "?"),
                [.integer(cutoffMillis), .integer(cutoffMillis)],
                context: "prune: find archivable prefixes in ab_model_change_log"
            ) { row in bounds.append((RecordKey(model: row.text(0), recordID: row.text(1)), row.integer(2))) }
            var changesArchived = 0
            for (key, through) in bounds { changesArchived += try archiveInTransaction(key, through: through) }
            let auditColumns = Migration.auditColumns
            try connection.run(
                """
                INSERT INTO ab_collaboration_events_archive (\(auditColumns))
                SELECT \(auditColumns) FROM ab_collaboration_events WHERE created_at_ms < ?
                """,
                [.integer(cutoffMillis)],
                context: "prune: insert into ab_collaboration_events_archive"
            )
            let auditArchived = try connection.run(
                "DELETE FROM ab_collaboration_events WHERE created_at_ms < ?",
                [.integer(cutoffMillis)],
                context: "prune: delete from ab_collaboration_events"
            )
            return PruneCounts(changesArchivedCount: changesArchived, auditEventsArchivedCount: auditArchived)
        }
    }

    public func archiveChanges(_ key: RecordKey, through version: Int) throws -> Int {
        try connection.transaction("archive changes of \(key) through v\(version)") { () throws(StoreError) in
            try archiveInTransaction(key, through: Int64(version))
        }
    }

    public func cleanupInactiveSessions(olderThanMillis cutoffMillis: Int64) throws -> Int {
        try connection.run(
            """
            UPDATE ab_collaboration_sessions SET status = 'inactive', participants = '[]'
            WHERE status = 'active' AND updated_at_ms < ?
            """,
            [.integer(cutoffMillis)],
            context: "clean up sessions idle before \(cutoffMillis) ms: update ab_collaboration_sessions"
        )
    }

    public func session(_ key: RecordKey) throws -> StoredSession? {
        try sessionRow(key)
    }

    public func auditEvents(_ key: RecordKey) throws -> [AuditEvent] {
        var rows: [AuditRow] = []
        try connection.query(
            """
            SELECT \(AuditRow.columns) FROM ab_collaboration_events
            WHERE model_name = ? AND record_id = ? ORDER BY id
            """,
            [.text(key.model), .text(key.recordID)],
            context: "audit events of \(key): ab_collaboration_events"
        ) { row in rows.append(AuditRow(sqlite: row)) }
        var events: [AuditEvent] = []
        for row in rows { events.append(try row.event()) }
        return events
    }

    public func rowCount(_ table: StoreTable) throws -> Int {
        var count = 0
        try connection.query("SELECT COUNT(*) FROM \(table.rawValue)", [], context: "count rows of \(table.rawValue)") {
            row in count = Int(row.integer(0))
        }
        return count
    }

    // MARK: Pieces run inside a transaction

    /// Moves one record's log rows at or below `through` to the archive and records how far the log now starts.
    private func archiveInTransaction(_ key: RecordKey, through: Int64) throws(StoreError) -> Int {
        let binds: [SQLiteValue] = [.text(key.model), .text(key.recordID), .integer(through)]
        let match = "model_name = ? AND record_id = ? AND version <= ?"
        var highest: Int64?
        try connection.query(
            "SELECT MAX(version) FROM ab_model_change_log WHERE \(match)",
            binds,
            context: "archive \(key): read ab_model_change_log"
        ) { row in highest = row.optionalInteger(0) }
        guard let highest else { return 0 }
        let columns = Migration.changeLogColumns
        try connection.run(
            """
            INSERT INTO ab_model_change_log_archive (\(columns))
            SELECT \(columns) FROM ab_model_change_log WHERE \(match)
            """,
            binds,
            context: "archive \(key) through v\(through): insert into ab_model_change_log_archive"
        )
        let moved = try connection.run(
            "DELETE FROM ab_model_change_log WHERE \(match)",
            binds,
            context: "archive \(key) through v\(through): delete from ab_model_change_log"
        )
        try connection.run(
            "UPDATE tandem_records SET pruned_through = MAX(pruned_through, ?) WHERE model_name = ? AND record_id = ?",
            [.integer(highest), .text(key.model), .text(key.recordID)],
            context: "archive \(key) through v\(through): update tandem_records"
        )
        return moved
    }

    /// Folds a batch's events into the session row, creating it on the first join.
    func updateSession(_ key: RecordKey, with events: [AuditEvent]) throws(StoreError) {
        if let join = events.first(where: { $0.kind == .sessionJoined }) {
            try connection.run(
                """
                INSERT INTO ab_collaboration_sessions (session_id, model_name, record_id, created_by, created_at_ms,
                updated_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO NOTHING
                """,
                [
                    .text(key.sessionID), .text(key.model), .text(key.recordID),
                    .optional(join.user.map { Int64($0.id) }),
                    .integer(join.createdAtMillis), .integer(join.createdAtMillis),
                ],
                context: "session \(key): insert into ab_collaboration_sessions"
            )
        }
        guard var session = try sessionRow(key) else { return }
        for event in events { session.apply(event) }
        try connection.run(
            "UPDATE ab_collaboration_sessions SET status = ?, updated_at_ms = ?, participants = ? WHERE session_id = ?",
            [
                .text(session.status.rawValue), .integer(session.updatedAtMillis),
                .text(try StoredSession.participantsJSON(session.participants)), .text(key.sessionID),
            ],
            context: "session \(key): update ab_collaboration_sessions"
        )
    }

    private func sessionRow(_ key: RecordKey) throws(StoreError) -> StoredSession? {
        var found: (status: String, createdBy: Int64?, createdAt: Int64, updatedAt: Int64, participants: String)?
        try connection.query(
            """
            SELECT status, created_by, created_at_ms, updated_at_ms, participants FROM ab_collaboration_sessions
            WHERE session_id = ?
            """,
            [.text(key.sessionID)],
            context: "session \(key): ab_collaboration_sessions"
        ) { row in
            found = (row.text(0), row.optionalInteger(1), row.integer(2), row.integer(3), row.text(4))
        }
        guard let found else { return nil }
        let context = "session \(key): ab_collaboration_sessions"
        return StoredSession(
            key: key,
            status: try StoreJSON.enumeration(StoredSession.Status.self, found.status, context),
            createdBy: try found.createdBy.map { id throws(StoreError) in try StoreJSON.int(id, context) },
            createdAtMillis: found.createdAt,
            updatedAtMillis: found.updatedAt,
            participants: try StoredSession.decodeParticipants(found.participants)
        )
    }
}

/// SQL of `prune` shared by both dialects.
enum PruneSQL {
    /// Each record with a row older than the cutoff, and the last version of its all-old prefix: up to its first
    /// row at or after the cutoff, or its whole log. Binds: the cutoff twice.
    static func bounds(placeholder: (Int) -> String) -> String {
        """
        SELECT model_name, record_id, through FROM (
            SELECT model_name, record_id, MIN(version) AS first,
                   COALESCE(MIN(CASE WHEN created_at_ms >= \(placeholder(1)) THEN version END) - 1,
                            MAX(version)) AS through
            FROM ab_model_change_log
            WHERE (model_name, record_id) IN (
                SELECT model_name, record_id FROM ab_model_change_log WHERE created_at_ms < \(placeholder(2)))
            GROUP BY model_name, record_id
        ) AS prefixes WHERE through >= first ORDER BY model_name, record_id
        """
    }

    static func bounds(placeholder: String) -> String { bounds { _ in placeholder } }
}
