import TandemCore
import TandemEngine

/// An `AuditEvent` as one row of `ab_collaboration_events` (the seed's real-time event log).
struct AuditRow: Sendable, Hashable {
    var sessionID: String
    var eventType: String
    var userID: Int64?
    var username: String?
    var model: String
    var recordID: String
    var field: String?
    var oldValue: String?
    var newValue: String?
    var metadata: String
    var createdAtMillis: Int64

    static let columns = """
        session_id, event_type, user_id, username, model_name, record_id, field_name, old_value, new_value, metadata, \
        created_at_ms
        """

    init(_ event: AuditEvent) throws(StoreError) {
        let context = "append audit \(event.kind.rawValue) of \(event.key): ab_collaboration_events"
        sessionID = event.key.sessionID
        eventType = event.kind.rawValue
        userID = event.user.map { Int64($0.id) }
        username = event.user?.username
        model = event.key.model
        recordID = event.key.recordID
        field = event.field
        oldValue = try event.oldValue.map { value throws(StoreError) in try StoreJSON.text(value, context) }
        newValue = try event.newValue.map { value throws(StoreError) in try StoreJSON.text(value, context) }
        metadata = try StoreJSON.text(event.metadata, context)
        createdAtMillis = event.createdAtMillis
    }

    init(columns values: AuditColumns) {
        (
            sessionID, eventType, userID, username, model, recordID, field, oldValue, newValue, metadata,
            createdAtMillis
        ) = values
    }

    func event() throws(StoreError) -> AuditEvent {
        let context = "read ab_collaboration_events \(model):\(recordID)"
        var user: UserRef?
        if let userID { user = UserRef(id: try StoreJSON.int(userID, context), username: username ?? "") }
        return AuditEvent(
            kind: try StoreJSON.enumeration(AuditEvent.Kind.self, eventType, context),
            key: RecordKey(model: model, recordID: recordID),
            user: user,
            field: field,
            oldValue: try oldValue.map { text throws(StoreError) in try StoreJSON.value(text, context) },
            newValue: try newValue.map { text throws(StoreError) in try StoreJSON.value(text, context) },
            metadata: try StoreJSON.value(metadata, context),
            createdAtMillis: createdAtMillis
        )
    }
}

/// The columns of `ab_collaboration_events` in `AuditRow.columns` order.
typealias AuditColumns = (String, String, Int64?, String?, String, String, String?, String?, String?, String, Int64)
