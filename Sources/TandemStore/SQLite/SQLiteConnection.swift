import CSQLite
import TandemEngine

/// A value bound to, or read from, a SQLite statement: the three storage classes Tandem uses.
enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)

    static func optional(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
    static func optional(_ integer: Int64?) -> SQLiteValue { integer.map(SQLiteValue.integer) ?? .null }
}

/// One open SQLite database handle with a cache of prepared statements.
///
/// Not thread-safe and not `Sendable`: `SQLiteEventStore` owns it and calls it only from its dedicated thread.
/// Every failure becomes a `StoreError` whose message starts with the caller's `context` ("append: insert into
/// ab_model_change_log"), then SQLite's extended result code and message.
final class SQLiteConnection {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    let path: String

    /// How long a writer waits for another process's write lock before failing with `SQLITE_BUSY`.
    static let busyTimeoutMillis: Int32 = 10_000
    /// The most distinct SQL texts kept prepared; the store uses a fixed set, so more means a bug.
    static let cachedStatementCountMax = 256

    /// Makes a closed connection; `open()` does the I/O, on the caller's (dedicated) thread.
    init(path: String) {
        self.path = path
    }

    func open() throws(StoreError) {
        precondition(handle == nil, "\(path) is already open")
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(opened)
            throw StoreError("open \(path): sqlite error \(code): \(message)")
        }
        handle = opened
        sqlite3_extended_result_codes(opened, 1)
        sqlite3_busy_timeout(opened, Self.busyTimeoutMillis)
    }

    deinit { close() }

    /// Finalizes every cached statement and closes the handle; later calls fail with a `StoreError`.
    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs one or more statements without parameters or results (schema changes, pragmas, BEGIN/COMMIT).
    func execute(_ sql: String, context: @autoclosure () -> String) throws(StoreError) {
        let db = try open(context())
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        guard code != SQLITE_OK else { return }
        let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        sqlite3_free(errorMessage)
        throw StoreError("\(context()): sqlite error \(sqlite3_extended_errcode(db)): \(message)")
    }

    /// Runs one statement and returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ binds: [SQLiteValue], context: @autoclosure () -> String) throws(StoreError) -> Int {
        let db = try open(context())
        try query(sql, binds, context: context()) { (_: SQLiteRow) throws(StoreError) in }
        return Int(sqlite3_changes(db))
    }

    /// Runs one statement and hands each result row to `body`; the row is valid only during the call.
    func query(
        _ sql: String,
        _ binds: [SQLiteValue],
        context: @autoclosure () -> String,
        _ body: (SQLiteRow) throws(StoreError) -> Void
    ) throws(StoreError) {
        let db = try open(context())
        let statement = try prepared(sql, db: db, context: context())
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let integer): code = sqlite3_bind_int64(statement, index, integer)
            case .text(let text):
                // An explicit byte count, so a text with an interior NUL is stored whole.
                let byteCount = Int32(text.utf8.count)
                code = text.withCString {
                    sqlite3_bind_text(statement, index, $0, byteCount, tandem_sqlite_transient())
                }
            }
            guard code == SQLITE_OK else { throw failure(db, context()) }
        }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: try body(SQLiteRow(statement: statement, context: context()))
            case SQLITE_DONE: return
            default: throw failure(db, context())
            }
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` (taking the write lock up front, so two processes never
    /// both read a version and then race to write), rolling back on any error.
    func transaction<Result>(
        _ context: @autoclosure () -> String,
        _ body: () throws(StoreError) -> Result
    ) throws(StoreError) -> Result {
        try execute("BEGIN IMMEDIATE", context: "\(context()): begin")
        do {
            let result = try body()
            try execute("COMMIT", context: "\(context()): commit")
            return result
        } catch {
            try? execute("ROLLBACK", context: "\(context()): rollback")
            throw error
        }
    }

    private func open(_ context: String) throws(StoreError) -> OpaquePointer {
        guard let handle else { throw StoreError("\(context): the SQLite database \(path) is closed") }
        return handle
    }

    private func prepared(_ sql: String, db: OpaquePointer, context: String) throws(StoreError) -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        precondition(
            statements.count < Self.cachedStatementCountMax,
            "more than \(Self.cachedStatementCountMax) SQL texts"
        )
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else { throw failure(db, context) }
        statements[sql] = statement
        return statement
    }

    private func failure(_ db: OpaquePointer, _ context: String) -> StoreError {
        StoreError("\(context): sqlite error \(sqlite3_extended_errcode(db)): \(String(cString: sqlite3_errmsg(db)))")
    }
}

/// The current result row of a statement, read by column index.
struct SQLiteRow {
    fileprivate let statement: OpaquePointer
    let context: String

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func optionalInteger(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : integer(column)
    }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : text(column)
    }
}
