import Synchronization
import TandemCore
import TandemEngine

/// A client transport that records what the node sent, for tests to read.
final class RecordingTransport: ClientTransport {
    private struct State {
        var messages: [ServerMessage] = []
        var closeCode: Int?
        var capacity: Int
    }

    private let state: Mutex<State>

    /// `capacity` is how many messages it accepts before reporting a full queue (a slow consumer).
    init(capacity: Int = .max) { state = Mutex(State(capacity: capacity)) }

    func send(_ message: ServerMessage) -> Bool {
        state.withLock { state in
            guard state.messages.count < state.capacity else { return false }
            state.messages.append(message)
            return true
        }
    }

    func close(code: Int, reason: String) { state.withLock { $0.closeCode = code } }

    var messages: [ServerMessage] { state.withLock { $0.messages } }
    var closeCode: Int? { state.withLock { $0.closeCode } }

    /// Returns the messages received since the last call and forgets them.
    func drain() -> [ServerMessage] {
        state.withLock { state in
            defer { state.messages.removeAll() }
            return state.messages
        }
    }
}
