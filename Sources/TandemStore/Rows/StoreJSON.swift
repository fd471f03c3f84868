import TandemCore
import TandemEngine

/// The JSON text of stored values: Core's deterministic writer and strict parser, with failures as `StoreError`.
///
/// Sorted keys and shortest numbers make the same value always the same bytes, so SQLite files and dumps diff
/// cleanly. PostgreSQL's JSONB keeps its own key order and spacing; reading it back through the parser gives the
/// same `JSONValue` either way.
enum StoreJSON {
    static func text(_ value: JSONValue, _ context: @autoclosure () -> String) throws(StoreError) -> String {
        do {
            return try JSONWriter().string(value)
        } catch {
            throw StoreError("\(context()): cannot write JSON: \(error)")
        }
    }

    static func value(_ text: String, _ context: @autoclosure () -> String) throws(StoreError) -> JSONValue {
        do {
            return try JSONParser().parse(text)
        } catch {
            throw StoreError.corrupt("\(context()): stored JSON does not parse: \(error)")
        }
    }

    static func user(_ user: UserRef) -> JSONValue {
        ["id": .int(user.id), "username": .string(user.username)]
    }

    static func decodeUser(_ value: JSONValue, _ context: @autoclosure () -> String) throws(StoreError) -> UserRef {
        guard let id = value["id"]?.intValue, let username = value["username"]?.stringValue else {
            throw StoreError.corrupt("\(context()): \(value) is not a user {id, username}")
        }
        return UserRef(id: id, username: username)
    }

    /// Reads an `Int64` column into `Int`, refusing values a 32-bit build could not hold.
    static func int(_ value: Int64, _ context: @autoclosure () -> String) throws(StoreError) -> Int {
        guard let int = Int(exactly: value) else { throw StoreError.corrupt("\(context()): \(value) does not fit an Int") }
        return int
    }

    static func enumeration<Value: RawRepresentable<String>>(
        _ type: Value.Type,
        _ raw: String,
        _ context: @autoclosure () -> String
    ) throws(StoreError) -> Value {
        guard let value = Value(rawValue: raw) else {
            throw StoreError.corrupt("\(context()): unknown \(Value.self) \"\(raw)\"")
        }
        return value
    }
}
