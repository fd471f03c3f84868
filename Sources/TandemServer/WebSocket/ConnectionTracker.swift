import Synchronization
import TandemRuntime

/// Counts the live WebSocket handlers and tells whether the server is draining, so a graceful shutdown
/// can refuse new upgrades and wait until the node's 1001 closes have reached every socket.
public final class ConnectionTracker: Sendable {
    private struct State {
        var open = 0
        var draining = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Registers a connection; false when draining (the caller refuses it).
    func open() -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.open += 1
            return true
        }
    }

    func closed() {
        state.withLock { state in
            state.open -= 1
            precondition(state.open >= 0, "connection closed twice")
        }
    }

    public var openCount: Int { state.withLock { $0.open } }
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Refuses every later connection.
    public func startDraining() { state.withLock { $0.draining = true } }

    /// Returns true once no connection is open, false when `timeout` passed first (checked every 10 ms).
    public func waitUntilEmpty(timeout: Duration, clock: any TandemClock) async -> Bool {
        let deadline = clock.nowNanos() + timeout.nanosecondsClamped
        while openCount > 0 {
            guard clock.nowNanos() < deadline, (try? await clock.sleep(for: .milliseconds(10))) != nil else {
                return false
            }
        }
        return true
    }
}
