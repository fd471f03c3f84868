/// The heartbeat the server ships with, shared by the server's configuration, the engine's and a scenario that says
/// nothing (`topology.heartbeat`), so that a simulation beats as production does.
public enum HeartbeatDefaults {
    /// Advertised to clients as `heartbeat_ms` (a client pings after half of it in silence) and the period of a node's
    /// presence heartbeat to the other nodes (PROTOCOL.md).
    public static let interval = Duration.seconds(15)
    /// A connection, local or on another node, not heard from for this long leaves its sessions.
    public static let timeout = Duration.seconds(45)
}
