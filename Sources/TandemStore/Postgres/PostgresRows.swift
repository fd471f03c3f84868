import PostgresNIO

/// The PostgreSQL bindings of the row types: binds in `columns` order, JSONB columns cast from text.
extension ChangeRow {
    /// `SELECT` list with JSONB columns read back as text.
    static let postgresSelect = """
        change_id, model_name, record_id, session_id, field_name, version, base_version, op::text, old_value::text, \
        new_value::text, user_id, username, origin, conflict_id, created_at_ms, change_type
        """
    static let postgresValues = PostgresSQL.placeholders(columnCount, json: [7, 8, 9])

    var postgresBinds: PostgresBindings {
        var binds = PostgresBindings(capacity: Self.columnCount)
        binds.append(changeID)
        binds.append(model)
        binds.append(recordID)
        binds.append(sessionID)
        binds.append(field)
        binds.append(version)
        binds.append(baseVersion)
        binds.append(op)
        binds.append(oldValue)
        binds.append(newValue)
        binds.append(userID)
        binds.append(username)
        binds.append(origin)
        binds.append(conflictID)
        binds.append(createdAtMillis)
        binds.append(changeType)
        return binds
    }

    typealias PostgresColumns = (
        String, String, String, String, String, Int64, Int64, String?, String, String, Int64, String, String, String?,
        Int64, String
    )

    init(postgres columns: PostgresColumns) {
        self.init(
            changeID: columns.0,
            model: columns.1,
            recordID: columns.2,
            sessionID: columns.3,
            field: columns.4,
            version: columns.5,
            baseVersion: columns.6,
            op: columns.7,
            oldValue: columns.8,
            newValue: columns.9,
            userID: columns.10,
            username: columns.11,
            origin: columns.12,
            conflictID: columns.13,
            createdAtMillis: columns.14,
            changeType: columns.15
        )
    }
}

extension RecordRow {
    static let postgresSelect =
        "model_name, record_id, version, fields::text, field_versions::text, pruned_through, deleted"
    typealias PostgresColumns = (String, String, Int64, String, String, Int64, Int64)

    init(postgres columns: PostgresColumns) {
        self.init(
            model: columns.0,
            recordID: columns.1,
            version: columns.2,
            fields: columns.3,
            fieldVersions: columns.4,
            prunedThrough: columns.5,
            deleted: columns.6
        )
    }
}

extension ConflictRow {
    static let postgresSelect = """
        conflict_id, model_name, record_id, session_id, field_name, conflict_type, policy, base_version, \
        local_change::text, remote_change::text, paths::text, status, resolution::text, resolution_method, \
        resolved_by, resolved_by_username, created_at_ms, resolved_at_ms
        """
    static let postgresValues = PostgresSQL.placeholders(18, json: [8, 9, 10, 12])

    var postgresBinds: PostgresBindings {
        var binds = PostgresBindings(capacity: 18)
        binds.append(conflictID)
        binds.append(model)
        binds.append(recordID)
        binds.append(sessionID)
        binds.append(field)
        binds.append(conflictType)
        binds.append(policy)
        binds.append(baseVersion)
        binds.append(localChange)
        binds.append(remoteChange)
        binds.append(paths)
        binds.append(status)
        binds.append(resolution)
        binds.append(resolutionMethod)
        binds.append(resolvedBy)
        binds.append(resolvedByUsername)
        binds.append(createdAtMillis)
        binds.append(resolvedAtMillis)
        return binds
    }
}

extension CommentRow {
    static let postgresValues = PostgresSQL.placeholders(10, json: [])
    typealias PostgresColumns = (String, String, String, String, String, String, String?, Int64, String, Int64)

    var postgresBinds: PostgresBindings {
        var binds = PostgresBindings(capacity: 10)
        binds.append(commentID)
        binds.append(model)
        binds.append(recordID)
        binds.append(sessionID)
        binds.append(field)
        binds.append(body)
        binds.append(parentID)
        binds.append(userID)
        binds.append(username)
        binds.append(createdAtMillis)
        return binds
    }

    init(postgres columns: PostgresColumns) {
        self.init(
            commentID: columns.0,
            model: columns.1,
            recordID: columns.2,
            sessionID: columns.3,
            field: columns.4,
            body: columns.5,
            parentID: columns.6,
            userID: columns.7,
            username: columns.8,
            createdAtMillis: columns.9
        )
    }
}

extension AuditRow {
    static let postgresSelect = """
        session_id, event_type, user_id, username, model_name, record_id, field_name, old_value::text, \
        new_value::text, metadata::text, created_at_ms
        """
    static let postgresValues = PostgresSQL.placeholders(11, json: [7, 8, 9])

    var postgresBinds: PostgresBindings {
        var binds = PostgresBindings(capacity: 11)
        binds.append(sessionID)
        binds.append(eventType)
        binds.append(userID)
        binds.append(username)
        binds.append(model)
        binds.append(recordID)
        binds.append(field)
        binds.append(oldValue)
        binds.append(newValue)
        binds.append(metadata)
        binds.append(createdAtMillis)
        return binds
    }
}

/// SQL text helpers for PostgreSQL.
enum PostgresSQL {
    /// `$1, $2, $3::jsonb, …`: one placeholder per column, JSONB columns (0-based offsets) cast from text.
    static func placeholders(_ count: Int, json: Set<Int>) -> String {
        (0..<count).map { json.contains($0) ? "$\($0 + 1)::jsonb" : "$\($0 + 1)" }.joined(separator: ", ")
    }

    static func query(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
