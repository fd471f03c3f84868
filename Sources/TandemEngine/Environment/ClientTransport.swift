import Synchronization
import TandemCore

/// The node's way to one client connection: a bounded outbound queue, filled synchronously.
///
/// `send` never blocks the node: it enqueues and returns false when the queue is full, and the node then
/// drops that client (a slow consumer must never grow memory without bound). Twins: the WebSocket
/// connection in the server and the simulated link in the simulator.
public protocol ClientTransport: Sendable {
    func send(_ message: ServerMessage) -> Bool
    /// One message of a fan-out: the node hands the same `frame` to every recipient's transport, so a
    /// transport that serialises messages can do it once per fan-out (`SharedFrame.encoded`). Same contract
    /// as `send(_:)` otherwise; the default sends `frame.message`.
    func send(_ frame: SharedFrame) -> Bool
    /// Closes the connection with a WebSocket close code (4401 unauthenticated, 1001 going away, 1008 policy,
    /// 1013 try again later for a slow consumer).
    func close(code: Int, reason: String)
}

extension ClientTransport {
    public func send(_ frame: SharedFrame) -> Bool { send(frame.message) }
}

/// One server message on its way to several connections (a fan-out: `model_changed`, presence, conflict
/// resolutions), the same object for every recipient.
///
/// Only messages that are identical for every recipient are shared: what goes to one connection alone (the
/// author's `ack`, a `joined`, an error) is sent as a plain `ServerMessage`. A transport that writes bytes
/// keeps its encoding here (`encoded`), so the message is encoded once per fan-out instead of once per
/// recipient; the simulator reads `message` and leaves the cache alone.
public final class SharedFrame: Sendable, Equatable {
    public let message: ServerMessage
    /// The encoding, boxed: reading it back is a class check, not an existential cast per recipient.
    @usableFromInline let cache = Mutex<AnyObject?>(nil)

    public init(_ message: ServerMessage) {
        self.message = message
    }

    /// The message as `encode` renders it, computed by the first caller and cached for the others (who wait
    /// for it rather than encode it again). Callers of one frame must all ask for the same `Encoding` type;
    /// a different one replaces the cached value. Inlinable, so a caller's `Encoding` is a concrete type there.
    @inlinable
    public func encoded<Encoding: Sendable>(_ encode: (ServerMessage) -> Encoding) -> Encoding {
        cache.withLock { cache in
            if let cached = cache as? EncodedBox<Encoding> { return cached.value }
            let encoding = encode(message)
            cache = EncodedBox(encoding)
            return encoding
        }
    }

    @usableFromInline
    final class EncodedBox<Value: Sendable>: Sendable {
        @usableFromInline let value: Value

        @usableFromInline init(_ value: Value) { self.value = value }
    }

    /// Frames are equal when they carry equal messages (whatever either has cached).
    public static func == (lhs: SharedFrame, rhs: SharedFrame) -> Bool { lhs.message == rhs.message }
}
