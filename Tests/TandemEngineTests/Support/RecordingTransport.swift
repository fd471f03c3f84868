import Synchronization
import TandemCore
import TandemEngine

/// A client transport that records what the node sent, for tests to read.
final class RecordingTransport: ClientTransport {
    private struct State {
        var messages: [ServerMessage] = []
        /// For each message in `messages`, the fan-out frame it came in, or nil when sent to this connection alone.
        var frames: [SharedFrame?] = []
        var closeCode: Int?
        var capacity: Int
    }

    private let state: Mutex<State>

    /// `capacity` is how many messages it accepts before reporting a full queue (a slow consumer).
    init(capacity: Int = .max) { state = Mutex(State(capacity: capacity)) }

    func send(_ message: ServerMessage) -> Bool { record(message, frame: nil) }

    func send(_ frame: SharedFrame) -> Bool { record(frame.message, frame: frame) }

    private func record(_ message: ServerMessage, frame: SharedFrame?) -> Bool {
        state.withLock { state in
            guard state.messages.count < state.capacity else { return false }
            state.messages.append(message)
            state.frames.append(frame)
            return true
        }
    }

    func close(code: Int, reason: String) { state.withLock { $0.closeCode = code } }

    var messages: [ServerMessage] { state.withLock { $0.messages } }
    var closeCode: Int? { state.withLock { $0.closeCode } }

    /// Returns the messages received since the last call and forgets them.
    func drain() -> [ServerMessage] { drainFrames().map(\.message) }

    /// Like `drain`, with the fan-out frame each message came in (nil for a message to this connection alone).
    func drainFrames() -> [(message: ServerMessage, frame: SharedFrame?)] {
        state.withLock { state in
            defer {
                state.messages.removeAll()
                state.frames.removeAll()
            }
            return Array(zip(state.messages, state.frames))
        }
    }
}
