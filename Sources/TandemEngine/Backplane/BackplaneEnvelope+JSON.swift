import TandemCore

/// The JSON form of backplane envelopes: what `RedisBackplane` stores in each stream entry.
///
/// Format version 1, one compact JSON object per envelope (written by `JSONWriter`, so the same envelope
/// always gives the same bytes):
///
///     {"v": 1, "origin": "<node id>", "type": "<type>", ...members of the type}
///
/// | `type`               | members                                                  | message                |
/// | -------------------- | -------------------------------------------------------- | ---------------------- |
/// | `committed`          | `change`: Change                                         | `.committed`           |
/// | `presence`           | `key`: Key, `notice`: Notice                             | `.presence`            |
/// | `presence_heartbeat` | `sessions`: [{`key`, `version`, `entries`: [Entry], `query`?}] | `.presenceHeartbeat` |
/// | `comment`            | `key`: Key, `comment`: Comment                           | `.comment`             |
/// | `conflict_resolved`  | `conflict`: Conflict                                     | `.conflictResolved`    |
///
/// - Key `{model, record_id}`; User `{id, username}`; Entry `{user, connection, focus?}`.
/// - A heartbeat session's `query: true` (omitted when false) asks the nodes that hold connections in the session to
///   answer with a heartbeat of it now; a reader that does not know the member applies the entries and ignores it.
/// - Notice: `{kind: "joined", user, connection}`, `{kind: "left", connection}` or
///   `{kind: "cursor", user, connection, field, state: "focus"|"blur", position?: {index, end}}`.
/// - Comment `{id, field, text, parent_id?, user, created_at_millis}`.
/// - Change `{change_id, key, field, version, base_version, op?, old_value, new_value, user,
///   timestamp_millis, origin: "ws"|"rest"|"resolution", conflict_id?}`; `op` is ot.js's JSON array.
/// - Conflict `{id, key, field, field_type, policy, base_version, local_value, remote_value, local_user,
///   remote_user?, paths: [[string]], status, resolution?, resolved_value?, resolved_by?,
///   value_before_resolution?, resolution_version?, created_at_millis, resolved_at_millis?}`.
///
/// Rules: `?` members are omitted when nil, and a reader takes `null` as nil too, except for the
/// JSON-valued `resolved_value` and `value_before_resolution`, where absent is nil and `null` is JSON null.
/// Integers are exact (within ±2^53). Readers ignore members they do not know, so a later version may add
/// optional members without a bump; anything else (a renamed member, a new `type`) takes `v: 2`, and a
/// reader refuses versions it does not know with `unsupported_version`.
extension BackplaneEnvelope {
    /// The format version this build writes and the only one it reads.
    public static let jsonFormatVersion = 1

    /// The envelope as compact JSON bytes.
    public func jsonBytes() throws(BackplaneCodingError) -> [UInt8] {
        let value = try jsonValue()
        do throws(JSONWriteError) {
            return try JSONWriter().bytes(value)
        } catch {
            throw BackplaneCodingError(code: .unencodable, path: error.path, message: error.message, underlying: error)
        }
    }

    /// Reads an envelope from JSON bytes; every failure is a `BackplaneCodingError`, never a trap.
    public init(
        jsonBytes: some Collection<UInt8>,
        limits: JSONParser.Limits = JSONParser.Limits()
    ) throws(BackplaneCodingError) {
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONParser(limits: limits).parse(jsonBytes)
        } catch {
            throw BackplaneCodingError(code: .invalidJSON, path: "$", message: error.description, underlying: error)
        }
        try self.init(json: value)
    }

    /// The envelope as a `JSONValue` (format version ``jsonFormatVersion``).
    public func jsonValue() throws(BackplaneCodingError) -> JSONValue {
        var members: [String: JSONValue] = ["v": .int(Self.jsonFormatVersion), "origin": .string(origin)]
        switch message {
        case .committed(let change):
            members["type"] = "committed"
            members["change"] = try BackplaneJSON.encode(change, "$.change")
        case .presence(let key, let notice):
            members["type"] = "presence"
            members["key"] = BackplaneJSON.encode(key)
            members["notice"] = try Self.encode(notice, "$.notice")
        case .presenceHeartbeat(let sessions):
            members["type"] = "presence_heartbeat"
            var encoded: [JSONValue] = []
            for (position, session) in sessions.enumerated() {
                encoded.append(try Self.encode(session, "$.sessions[\(position)]"))
            }
            members["sessions"] = .array(encoded)
        case .comment(let key, let comment):
            members["type"] = "comment"
            members["key"] = BackplaneJSON.encode(key)
            members["comment"] = try BackplaneJSON.encode(comment, "$.comment")
        case .conflictResolved(let conflict):
            members["type"] = "conflict_resolved"
            members["conflict"] = try BackplaneJSON.encode(conflict, "$.conflict")
        }
        return .object(members)
    }

    /// Reads an envelope from its `JSONValue` form.
    public init(json: JSONValue) throws(BackplaneCodingError) {
        let object = try BackplaneJSONObject(json, path: "$")
        guard let version = object.optionalJSON("v"), version.intValue == Self.jsonFormatVersion else {
            let found = object.optionalJSON("v").map { "\($0)" } ?? "none"
            throw BackplaneCodingError(
                code: .unsupportedVersion,
                path: "$.v",
                message: "format version \(found); this build reads \(Self.jsonFormatVersion)"
            )
        }
        let origin = try object.string("origin")
        let type = try object.string("type")
        let message: BackplaneMessage
        switch type {
        case "committed":
            message = .committed(try BackplaneJSON.change(try object.object("change")))
        case "presence":
            message = .presence(
                try BackplaneJSON.key(try object.object("key")),
                try Self.notice(try object.object("notice"))
            )
        case "presence_heartbeat":
            message = .presenceHeartbeat(
                try object.objects("sessions") { (nested) throws(BackplaneCodingError) in
                    try Self.heartbeatSession(nested)
                }
            )
        case "comment":
            message = .comment(
                try BackplaneJSON.key(try object.object("key")),
                try BackplaneJSON.comment(try object.object("comment"))
            )
        case "conflict_resolved":
            message = .conflictResolved(try BackplaneJSON.conflict(try object.object("conflict")))
        default:
            throw BackplaneCodingError(code: .unknownType, path: "$.type", message: "unknown message type \"\(type)\"")
        }
        self.init(origin: origin, message: message)
    }

    // MARK: Presence

    private static func encode(_ notice: PresenceNotice, _ path: String) throws(BackplaneCodingError) -> JSONValue {
        switch notice {
        case .joined(let user, let connection):
            return .object([
                "kind": "joined", "user": try BackplaneJSON.encode(user, path + ".user"),
                "connection": .string(connection),
            ])
        case .left(let connection):
            return .object(["kind": "left", "connection": .string(connection)])
        case .cursor(let user, let connection, let field, let state, let position):
            var members: [String: JSONValue] = [
                "kind": "cursor", "user": try BackplaneJSON.encode(user, path + ".user"),
                "connection": .string(connection), "field": .string(field), "state": .string(state.rawValue),
            ]
            if let position { members["position"] = try BackplaneJSON.encode(position, path + ".position") }
            return .object(members)
        }
    }

    private static func notice(_ object: BackplaneJSONObject) throws(BackplaneCodingError) -> PresenceNotice {
        let kind = try object.string("kind")
        switch kind {
        case "joined":
            return .joined(
                try BackplaneJSON.user(try object.object("user")),
                connection: try object.string("connection")
            )
        case "left":
            return .left(connection: try object.string("connection"))
        case "cursor":
            var position: CursorPosition?
            if let nested = try object.optionalObject("position") { position = try BackplaneJSON.position(nested) }
            return .cursor(
                try BackplaneJSON.user(try object.object("user")),
                connection: try object.string("connection"),
                field: try object.string("field"),
                state: try object.enumeration("state", as: CursorState.self),
                position: position
            )
        default:
            throw BackplaneCodingError(
                code: .invalidValue,
                path: object.memberPath("kind"),
                message: "unknown presence notice kind \"\(kind)\""
            )
        }
    }

    private static func encode(
        _ session: PresenceHeartbeatSession,
        _ path: String
    ) throws(BackplaneCodingError) -> JSONValue {
        var entries: [JSONValue] = []
        for (position, entry) in session.entries.enumerated() {
            var members: [String: JSONValue] = [
                "user": try BackplaneJSON.encode(entry.user, "\(path).entries[\(position)].user"),
                "connection": .string(entry.connection),
            ]
            if let focus = entry.focus { members["focus"] = .string(focus) }
            entries.append(.object(members))
        }
        var members: [String: JSONValue] = [
            "key": BackplaneJSON.encode(session.key),
            "version": try BackplaneJSON.exact(session.version, path + ".version"),
            "entries": .array(entries),
        ]
        if session.query { members["query"] = .bool(true) }
        return .object(members)
    }

    private static func heartbeatSession(
        _ object: BackplaneJSONObject
    ) throws(BackplaneCodingError) -> PresenceHeartbeatSession {
        let entries = try object.objects("entries") { (entry) throws(BackplaneCodingError) in
            PresenceHeartbeatEntry(
                user: try BackplaneJSON.user(try entry.object("user")),
                connection: try entry.string("connection"),
                focus: try entry.optionalString("focus")
            )
        }
        return PresenceHeartbeatSession(
            key: try BackplaneJSON.key(try object.object("key")),
            version: try object.int("version"),
            entries: entries,
            query: try object.optionalBool("query") ?? false
        )
    }
}
