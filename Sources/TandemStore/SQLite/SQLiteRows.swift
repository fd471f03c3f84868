import Foundation

/// The SQLite bindings of the row types: values in `columns` order, and rows read back in the same order.
extension ChangeRow {
    var sqliteValues: [SQLiteValue] {
        [
            .text(changeID), .text(model), .text(recordID), .text(sessionID), .text(field), .integer(version),
            .integer(baseVersion), .optional(op), .text(oldValue), .text(newValue), .integer(userID), .text(username),
            .text(origin), .optional(conflictID), .integer(createdAtMillis), .text(changeType),
        ]
    }

    init(sqlite row: SQLiteRow) {
        self.init(
            changeID: row.text(0),
            model: row.text(1),
            recordID: row.text(2),
            sessionID: row.text(3),
            field: row.text(4),
            version: row.integer(5),
            baseVersion: row.integer(6),
            op: row.optionalText(7),
            oldValue: row.text(8),
            newValue: row.text(9),
            userID: row.integer(10),
            username: row.text(11),
            origin: row.text(12),
            conflictID: row.optionalText(13),
            createdAtMillis: row.integer(14),
            changeType: row.text(15)
        )
    }
}

extension RecordRow {
    static let sqliteColumns = "model_name, record_id, version, fields, field_versions, pruned_through, deleted"
    static let sqliteColumnCount = 7

    var sqliteValues: [SQLiteValue] {
        [
            .text(model), .text(recordID), .integer(version), .text(fields), .text(fieldVersions),
            .integer(prunedThrough), .integer(deleted),
        ]
    }

    init(sqlite row: SQLiteRow) {
        self.init(
            model: row.text(0),
            recordID: row.text(1),
            version: row.integer(2),
            fields: row.text(3),
            fieldVersions: row.text(4),
            prunedThrough: row.integer(5),
            deleted: row.integer(6)
        )
    }
}

extension ConflictRow {
    var sqliteValues: [SQLiteValue] {
        [
            .text(conflictID), .text(model), .text(recordID), .text(sessionID), .text(field), .text(conflictType),
            .text(policy), .integer(baseVersion), .text(localChange), .text(remoteChange), .text(paths), .text(status),
            .optional(resolution), .text(resolutionMethod), .optional(resolvedBy), .optional(resolvedByUsername),
            .integer(createdAtMillis), .optional(resolvedAtMillis),
        ]
    }

    init(sqlite row: SQLiteRow) {
        self.init(
            columns: (
                row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), row.text(6),
                row.integer(7),
                row.text(8), row.text(9), row.text(10), row.text(11), row.optionalText(12), row.text(13),
                row.optionalInteger(14), row.optionalText(15), row.integer(16), row.optionalInteger(17)
            )
        )
    }
}

extension CommentRow {
    var sqliteValues: [SQLiteValue] {
        [
            .text(commentID), .text(model), .text(recordID), .text(sessionID), .text(field), .text(body),
            .optional(parentID), .integer(userID), .text(username), .integer(createdAtMillis),
        ]
    }

    init(sqlite row: SQLiteRow) {
        self.init(
            commentID: row.text(0),
            model: row.text(1),
            recordID: row.text(2),
            sessionID: row.text(3),
            field: row.text(4),
            body: row.text(5),
            parentID: row.optionalText(6),
            userID: row.integer(7),
            username: row.text(8),
            createdAtMillis: row.integer(9)
        )
    }
}

extension AuditRow {
    var sqliteValues: [SQLiteValue] {
        [
            .text(sessionID), .text(eventType), .optional(userID), .optional(username), .text(model), .text(recordID),
            .optional(field), .optional(oldValue), .optional(newValue), .text(metadata), .integer(createdAtMillis),
        ]
    }

    init(sqlite row: SQLiteRow) {
        self.init(
            columns: (
                row.text(0), row.text(1), row.optionalInteger(2), row.optionalText(3), row.text(4), row.text(5),
                row.optionalText(6), row.optionalText(7), row.optionalText(8), row.text(9), row.integer(10)
            )
        )
    }
}

/// SQL helpers shared by both dialects.
enum SQLText {
    /// `?, ?, ?` for SQLite.
    static func questionMarks(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// `c1 = excluded.c1, …` for an upsert that overwrites every listed column.
    static func overwrite(_ columns: String) -> String {
        columns.split(separator: ",").map { column in
            let name = column.trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(name) = excluded.\(name)"
        }.joined(separator: ", ")
    }

    static func columnCount(_ columns: String) -> Int { columns.split(separator: ",").count }
}
