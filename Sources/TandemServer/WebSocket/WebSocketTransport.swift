import DequeModule
import Synchronization
import TandemCore
import TandemEngine

/// The node's `ClientTransport` for one WebSocket: a bounded outbound queue the node fills synchronously and
/// one writer task drains onto the socket.
///
/// Unlike `AsyncStream`'s `bufferingNewest`, which silently drops old frames, a full queue makes `send`
/// return false: the node then closes the connection with 1013 (slow consumer) and the client resyncs, so
/// no client ever misses a version without knowing. A close request is delivered after the queued frames
/// (1001 on shutdown flushes pending acks), except after an overflow, when the backlog is discarded.
///
/// The queue holds `SharedFrame`s: a fan-out puts the same frame in every recipient's queue and the writers
/// encode it once between them (`SharedFrame.encoded`); a message for this connection alone gets a frame of
/// its own.
public final class WebSocketTransport: ClientTransport, Sendable {
    /// What the writer takes next.
    public enum Item: Sendable, Equatable {
        case frame(SharedFrame)
        case close(code: Int, reason: String)
    }

    private struct State: Sendable {
        var queue: Deque<SharedFrame> = []
        var closeRequest: (code: Int, reason: String)?
        var closeDelivered = false
        var finished = false
        var waiter: CheckedContinuation<Item?, Never>?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "outbound queue capacity must be positive")
        self.capacity = capacity
    }

    /// Enqueues a message for this connection alone; false when the queue already holds `capacity` frames.
    public func send(_ message: ServerMessage) -> Bool {
        send(SharedFrame(message))
    }

    /// Enqueues a frame (possibly shared with other connections); false when the queue is full.
    public func send(_ frame: SharedFrame) -> Bool {
        let (accepted, waiter): (Bool, CheckedContinuation<Item?, Never>?) = state.withLock { state in
            if state.finished || state.closeRequest != nil { return (true, nil) }  // closing: the frame is moot
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            guard state.queue.count < capacity else { return (false, nil) }
            state.queue.append(frame)
            return (true, nil)
        }
        waiter?.resume(returning: .frame(frame))
        return accepted
    }

    /// Asks the writer to close the socket with `code` once the queued frames are out (at once for 1013).
    public func close(code: Int, reason: String) {
        let (waiter, closeWaiters): (CheckedContinuation<Item?, Never>?, [CheckedContinuation<Void, Never>]) =
            state.withLock { state in
                guard state.closeRequest == nil, !state.finished else { return (nil, []) }
                state.closeRequest = (code, reason)
                if code == 1013 { state.queue.removeAll() }
                let closeWaiters = state.closeWaiters
                state.closeWaiters.removeAll()
                guard let waiter = state.waiter else { return (nil, closeWaiters) }
                state.waiter = nil
                state.closeDelivered = true
                return (waiter, closeWaiters)
            }
        waiter?.resume(returning: .close(code: code, reason: reason))
        for closeWaiter in closeWaiters { closeWaiter.resume() }
    }

    /// The next frame or close request; nil once the transport is finished (or the close was delivered).
    public func next() async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                let item: Item?? = state.withLock { state in
                    if let frame = state.queue.popFirst() { return .some(.frame(frame)) }
                    if let request = state.closeRequest, !state.closeDelivered {
                        state.closeDelivered = true
                        return .some(.close(code: request.code, reason: request.reason))
                    }
                    if state.finished || state.closeDelivered { return .some(nil) }
                    precondition(state.waiter == nil, "two writers on one WebSocketTransport")
                    state.waiter = continuation
                    return nil
                }
                if let item { continuation.resume(returning: item) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Stops the transport: the writer's `next` returns nil and later frames are dropped.
    public func finish() {
        let (waiter, closeWaiters) = state.withLock { state in
            state.finished = true
            let waiter = state.waiter
            state.waiter = nil
            let closeWaiters = state.closeWaiters
            state.closeWaiters.removeAll()
            return (waiter, closeWaiters)
        }
        waiter?.resume(returning: nil)
        for closeWaiter in closeWaiters { closeWaiter.resume() }
    }

    /// Returns once a close was requested or the transport finished (or the task is cancelled).
    public func closeRequested() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.closeRequest != nil || state.finished { return true }
                    state.closeWaiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            finish()
        }
    }

    /// Frames waiting to be written.
    public var queuedCount: Int { state.withLock { $0.queue.count } }
}
