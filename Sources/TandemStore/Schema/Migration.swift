import TandemEngine

/// One versioned step of the store's schema, written once for both SQL dialects.
///
/// Statements use three placeholders, so SQLite and PostgreSQL get the same tables: `{ID}` (an auto-increment
/// primary key), `{INT}` (a 64-bit integer) and `{JSON}` (TEXT holding Core's JSON on SQLite, JSONB on
/// PostgreSQL). A migration is applied in one transaction together with its `schema_migrations` row, so it is
/// all or nothing; an applied migration is never edited, only followed by a new one.
struct Migration: Sendable {
    enum Dialect: Sendable {
        case sqlite
        case postgres
    }

    var version: Int
    var name: String
    var statements: [String]
    /// The one dialect this step is for (nil: both). The other records the version with nothing to do, so both
    /// dialects keep one sequence of versions.
    var only: Dialect? = nil

    func statements(for dialect: Dialect) -> [String] {
        if let only, only != dialect { return [] }
        return statements.map { statement in
            switch dialect {
            case .sqlite:
                return statement.replacing("{ID}", with: "INTEGER PRIMARY KEY AUTOINCREMENT")
                    .replacing("{INT}", with: "INTEGER").replacing("{JSON}", with: "TEXT")
            case .postgres:
                return statement.replacing("{ID}", with: "BIGSERIAL PRIMARY KEY")
                    .replacing("{INT}", with: "BIGINT").replacing("{JSON}", with: "JSONB")
            }
        }
    }

    /// Every migration, by ascending version.
    static let all: [Migration] = [
        .initialTables, .archiveTables, .recordDeletion, .recordIDSequences, .externalWrites,
    ]

    /// The ledger itself; created before anything else, outside the numbered migrations.
    static func ledger(for dialect: Dialect) -> String {
        switch dialect {
        case .sqlite:
            return """
                CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
                applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)
                """
        case .postgres:
            return """
                CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """
        }
    }

    /// Checks the applied versions against this build's list: a database migrated by a newer build is refused
    /// rather than written in a shape this build does not know.
    static func pending(applied: [Int], context: String) throws(StoreError) -> [Migration] {
        let known = Set(all.map(\.version))
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw StoreError.misconfigured(
                "\(context): the database has schema version \(unknown), which this build does not know (it knows "
                    + "\(all.map(\.version))); upgrade the binary"
            )
        }
        return all.filter { !applied.contains($0.version) }
    }
}
