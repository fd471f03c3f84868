extension Migration {
    /// Version 1: the seed design's four tables adapted to Tandem, plus record state and comments.
    ///
    /// Adaptations: times are epoch milliseconds (`*_at_ms`, from the engine's clock, so the simulator and the
    /// server agree); users are ids plus usernames, not foreign keys (Tandem has no `ab_user` of its own); session
    /// ids are `model:record_id`; no foreign keys between the logs, so pruning one never blocks on another.
    static let initialTables = Migration(
        version: 1,
        name: "initial tables",
        statements: [
            """
            CREATE TABLE ab_collaboration_sessions (
                id {ID},
                session_id TEXT NOT NULL UNIQUE,
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                created_by {INT},
                created_at_ms {INT} NOT NULL,
                updated_at_ms {INT} NOT NULL,
                status TEXT NOT NULL DEFAULT 'active',
                settings {JSON} NOT NULL DEFAULT '{}',
                participants {JSON} NOT NULL DEFAULT '[]'
            )
            """,
            "CREATE INDEX ab_collaboration_sessions_activity ON ab_collaboration_sessions (status, updated_at_ms)",
            """
            CREATE TABLE ab_collaboration_events (
                id {ID},
                session_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                user_id {INT},
                username TEXT,
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                field_name TEXT,
                old_value {JSON},
                new_value {JSON},
                metadata {JSON} NOT NULL DEFAULT '{}',
                created_at_ms {INT} NOT NULL,
                processed_at_ms {INT}
            )
            """,
            "CREATE INDEX ab_collaboration_events_record ON ab_collaboration_events (model_name, record_id, id)",
            "CREATE INDEX ab_collaboration_events_created ON ab_collaboration_events (created_at_ms)",
            """
            CREATE TABLE ab_collaboration_conflicts (
                id {ID},
                conflict_id TEXT NOT NULL,
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                session_id TEXT NOT NULL,
                field_name TEXT NOT NULL,
                conflict_type TEXT NOT NULL,
                policy TEXT NOT NULL,
                base_version {INT} NOT NULL,
                local_change {JSON} NOT NULL,
                remote_change {JSON} NOT NULL,
                paths {JSON} NOT NULL DEFAULT '[]',
                status TEXT NOT NULL,
                resolution {JSON},
                resolution_method TEXT NOT NULL,
                resolved_by {INT},
                resolved_by_username TEXT,
                created_at_ms {INT} NOT NULL,
                resolved_at_ms {INT},
                UNIQUE (model_name, record_id, conflict_id)
            )
            """,
            """
            CREATE TABLE ab_model_change_log (
                id {ID},
                change_id TEXT NOT NULL,
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                session_id TEXT NOT NULL,
                field_name TEXT NOT NULL,
                version {INT} NOT NULL,
                base_version {INT} NOT NULL,
                op {JSON},
                old_value {JSON} NOT NULL,
                new_value {JSON} NOT NULL,
                user_id {INT} NOT NULL,
                username TEXT NOT NULL,
                origin TEXT NOT NULL,
                conflict_id TEXT,
                created_at_ms {INT} NOT NULL,
                UNIQUE (model_name, record_id, version),
                UNIQUE (model_name, record_id, change_id)
            )
            """,
            "CREATE INDEX ab_model_change_log_created ON ab_model_change_log (created_at_ms)",
            """
            CREATE TABLE tandem_records (
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                version {INT} NOT NULL,
                fields {JSON} NOT NULL,
                field_versions {JSON} NOT NULL,
                pruned_through {INT} NOT NULL DEFAULT 0,
                PRIMARY KEY (model_name, record_id)
            )
            """,
            """
            CREATE TABLE tandem_comments (
                id {ID},
                comment_id TEXT NOT NULL,
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                session_id TEXT NOT NULL,
                field_name TEXT NOT NULL,
                body TEXT NOT NULL,
                parent_id TEXT,
                user_id {INT} NOT NULL,
                username TEXT NOT NULL,
                created_at_ms {INT} NOT NULL,
                UNIQUE (model_name, record_id, comment_id)
            )
            """,
        ]
    )

    /// Version 2: where `prune` moves old change-log and audit rows (same columns, ids kept, no uniqueness
    /// beyond the id: the archive only ever grows).
    static let archiveTables = Migration(
        version: 2,
        name: "archive tables",
        statements: [
            """
            CREATE TABLE ab_model_change_log_archive (
                id {INT} PRIMARY KEY,
                change_id TEXT NOT NULL,
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                session_id TEXT NOT NULL,
                field_name TEXT NOT NULL,
                version {INT} NOT NULL,
                base_version {INT} NOT NULL,
                op {JSON},
                old_value {JSON} NOT NULL,
                new_value {JSON} NOT NULL,
                user_id {INT} NOT NULL,
                username TEXT NOT NULL,
                origin TEXT NOT NULL,
                conflict_id TEXT,
                created_at_ms {INT} NOT NULL
            )
            """,
            """
            CREATE INDEX ab_model_change_log_archive_record
            ON ab_model_change_log_archive (model_name, record_id, version)
            """,
            """
            CREATE TABLE ab_collaboration_events_archive (
                id {INT} PRIMARY KEY,
                session_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                user_id {INT},
                username TEXT,
                model_name TEXT NOT NULL,
                record_id TEXT NOT NULL,
                field_name TEXT,
                old_value {JSON},
                new_value {JSON},
                metadata {JSON} NOT NULL,
                created_at_ms {INT} NOT NULL,
                processed_at_ms {INT}
            )
            """,
        ]
    )

    /// Version 3: record deletion. The seed's `change_type` (`INSERT`, `UPDATE`, `DELETE`) on the change log and
    /// its archive (rows written before it: `INSERT` at version 1, `UPDATE` after), and whether a record is
    /// deleted (its fields are then empty; the log keeps every earlier change).
    static let recordDeletion = Migration(
        version: 3,
        name: "record deletion",
        statements: [
            "ALTER TABLE ab_model_change_log ADD COLUMN change_type TEXT NOT NULL DEFAULT 'UPDATE'",
            "UPDATE ab_model_change_log SET change_type = 'INSERT' WHERE version = 1",
            "ALTER TABLE ab_model_change_log_archive ADD COLUMN change_type TEXT NOT NULL DEFAULT 'UPDATE'",
            "UPDATE ab_model_change_log_archive SET change_type = 'INSERT' WHERE version = 1",
            "ALTER TABLE tandem_records ADD COLUMN deleted {INT} NOT NULL DEFAULT 0",
        ]
    )

    /// Version 4: the last integer primary key claimed per model, for records created over REST without one
    /// (`EventStore.nextRecordID`); claimed with one upsert, so nodes sharing the database never claim a key twice.
    static let recordIDSequences = Migration(
        version: 4,
        name: "record id sequences",
        statements: [
            "CREATE TABLE tandem_record_sequences (model_name TEXT PRIMARY KEY, last_value {INT} NOT NULL)"
        ]
    )

    /// Every column of `ab_model_change_log` (and its archive), in table order, for moving rows.
    static let changeLogColumns = "id, " + ChangeRow.columns

    /// Every column of `ab_collaboration_events` (and its archive), in table order, for moving rows.
    static let auditColumns = "id, " + AuditRow.columns + ", processed_at_ms"
}
