import DequeModule
import Synchronization
import TandemRuntime

/// A one-way, in-order message channel with latency: what one TCP connection direction does.
///
/// `send` is synchronous (callable from any simulated actor); each message is handed to `deliver` at its
/// delivery time, never before an earlier message of the same pipe. One task per pipe drains it. When the
/// pipe is idle its task is parked, and a send hands the parked task straight to the executor's timer queue
/// for the message's delivery time: a delivery costs one timer and one job. `close` drops what is in flight.
///
/// This is the simulator's hottest path (every delivery of every message); an `AsyncStream` and a sleep per
/// message cost about a third more.
final class SimPipe<Message: Sendable>: Sendable {
    private struct Item: Sendable {
        var deliverAtNanos: Int64
        /// Until then the message waits in the sender's write queue and can still be discarded.
        var queuedUntilNanos: Int64
        var message: Message
    }

    private struct State: Sendable {
        var items = Deque<Item>()
        var waiter: UnsafeContinuation<Void, any Error>?
        var closed = false
        var lastDeliverAtNanos: Int64 = 0
    }

    private enum Step {
        case deliver(Message)
        case waitUntil(Int64)
        case park
        case stop
    }

    private let state = Mutex(State())
    private let executor: SimExecutor

    /// Starts the pipe's drain task; call from inside the simulation.
    init(executor: SimExecutor, deliver: @escaping @Sendable (Message) async -> Void) {
        self.executor = executor
        spawn { [self] in
            while let message = await self.next() { await deliver(message) }
        }
    }

    /// Starts the pipe's drain task on `owner`, and delivers by a synchronous call on it: for a receiver
    /// that is an actor (a simulated client), this saves two executor hops per message.
    init<Owner: Actor>(
        executor: SimExecutor, owner: Owner, deliver: @escaping @Sendable (isolated Owner, Message) -> Void
    ) {
        self.executor = executor
        owner.spawn { [self] owner in
            while let message = await self.next(isolation: owner) { deliver(owner, message) }
        }
    }

    /// The next message once its delivery time has come, or nil when the pipe is closed.
    private func next(isolation: isolated (any Actor)? = #isolation) async -> Message? {
        while true {
            let now = executor.nowNanos
            let step = state.withLock { state -> Step in
                if state.closed { return .stop }
                guard let first = state.items.first else { return .park }
                if first.deliverAtNanos > now { return .waitUntil(first.deliverAtNanos) }
                state.items.removeFirst()
                return .deliver(first.message)
            }
            switch step {
            case .deliver(let message): return message
            case .stop: return nil
            case .waitUntil(let deadline):
                try? await withUnsafeThrowingContinuation(isolation: isolation) { continuation in
                    executor.resume(continuation, atNanos: deadline)
                }
            case .park:
                try? await withUnsafeThrowingContinuation(isolation: isolation) { continuation in
                    let wakeAt = state.withLock { state -> Int64?? in
                        if state.closed { return .some(nil) }
                        if let first = state.items.first { return .some(first.deliverAtNanos) }
                        state.waiter = continuation
                        return nil
                    }
                    switch wakeAt {
                    case .some(.some(let deadline)): executor.resume(continuation, atNanos: deadline)
                    case .some(.none): continuation.resume()
                    case .none: break
                    }
                }
            }
        }
    }

    /// Queues `message` to arrive `latencyNanos` from now (or right after the previous one, if later).
    func send(_ message: Message, nowNanos: Int64, latencyNanos: Int64) {
        send(message, departAtNanos: nowNanos, queuedUntilNanos: nowNanos, latencyNanos: latencyNanos)
    }

    /// Queues `message` to leave the sender at `departAtNanos` (its write ends then) and arrive `latencyNanos`
    /// later, or right after the previous one, if later. Until `queuedUntilNanos` (its write starts then)
    /// ``discardQueued(nowNanos:)`` can still take it back.
    func send(_ message: Message, departAtNanos: Int64, queuedUntilNanos: Int64, latencyNanos: Int64) {
        let wake = state.withLock { state -> (UnsafeContinuation<Void, any Error>, Int64)? in
            guard !state.closed else { return nil }
            state.lastDeliverAtNanos = max(state.lastDeliverAtNanos, departAtNanos + max(0, latencyNanos))
            state.items.append(Item(
                deliverAtNanos: state.lastDeliverAtNanos, queuedUntilNanos: queuedUntilNanos, message: message))
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.lastDeliverAtNanos)
        }
        if let (waiter, deadline) = wake { executor.resume(waiter, atNanos: deadline) }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Drops the messages still waiting in the sender's write queue at `nowNanos` (a 1013 close discards the
    /// backlog; what is already being written still arrives). Returns how many were dropped.
    @discardableResult
    func discardQueued(nowNanos: Int64) -> Int {
        state.withLock { state in
            var dropped = 0
            while let last = state.items.last, last.queuedUntilNanos > nowNanos {
                state.items.removeLast()
                dropped += 1
            }
            if dropped > 0 { state.lastDeliverAtNanos = state.items.last?.deliverAtNanos ?? nowNanos }
            return dropped
        }
    }

    /// Drops everything in flight and stops the pipe.
    func close() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
            state.closed = true
            state.items.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
