/// Where a committed change came from (`origin` of `model_changed`); raw values are the wire strings.
public enum ChangeOrigin: String, Sendable, Hashable, CaseIterable {
    /// A `field_change` over the WebSocket.
    case ws
    /// A REST write (`PUT /api/v1/<model>/<pk>`).
    case rest
    /// The outcome of `resolve_conflict` or `rollback`.
    case resolution
    /// A write another application made directly in the database (PostgreSQL only; the engine hears of it through
    /// `LISTEN`/`NOTIFY` and reads it from the change log).
    case db
}
