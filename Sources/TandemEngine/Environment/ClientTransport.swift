import TandemCore

/// The node's way to one client connection: a bounded outbound queue, filled synchronously.
///
/// `send` never blocks the node: it enqueues and returns false when the queue is full, and the node then
/// drops that client (a slow consumer must never grow memory without bound). Twins: the WebSocket
/// connection in the server and the simulated link in the simulator.
public protocol ClientTransport: Sendable {
    func send(_ message: ServerMessage) -> Bool
    /// Closes the connection with a WebSocket close code (4401 unauthenticated, 1001 going away, 1008 policy,
    /// 1013 try again later for a slow consumer).
    func close(code: Int, reason: String)
}
