import DequeModule
import Synchronization
import TandemRuntime

/// A one-way, in-order message channel with latency: what one TCP connection direction does.
///
/// `send` is synchronous (callable from any simulated actor); each message is handed to `deliver` at its
/// delivery time, never before an earlier message of the same pipe. One task per pipe drains it, so a
/// message costs one timer and no task creation. `close` drops whatever is still in flight.
///
/// The queue is a plain deque behind a mutex with one parked continuation, not an `AsyncStream`: this is
/// the simulator's hottest path (every delivery of every message), and the stream's generic machinery cost
/// about a tenth of a run.
final class SimPipe<Message: Sendable>: Sendable {
    private struct Item: Sendable {
        var deliverAtNanos: Int64
        var message: Message
    }

    private struct State: Sendable {
        var items = Deque<Item>()
        var waiter: UnsafeContinuation<Item?, Never>?
        var closed = false
        var lastDeliverAtNanos: Int64 = 0
    }

    private let state = Mutex(State())

    /// Starts the pipe's drain task; call from inside the simulation.
    init(executor: SimExecutor, deliver: @escaping @Sendable (Message) async -> Void) {
        spawn { [self] in
            while let item = await self.next() {
                if item.deliverAtNanos > executor.nowNanos {
                    do { try await executor.sleep(untilNanos: item.deliverAtNanos) } catch { return }
                }
                if self.isClosed { return }
                await deliver(item.message)
            }
        }
    }

    /// Starts the pipe's drain task on `owner`, and delivers by a synchronous call on it: for a receiver
    /// that is an actor (a simulated client), this saves two executor hops per message.
    init<Owner: Actor>(
        executor: SimExecutor, owner: Owner, deliver: @escaping @Sendable (isolated Owner, Message) -> Void
    ) {
        owner.spawn { [self] owner in
            while let item = await self.next(isolation: owner) {
                if item.deliverAtNanos > executor.nowNanos {
                    do { try await executor.sleep(untilNanos: item.deliverAtNanos, isolation: owner) } catch { return }
                }
                if self.isClosed { return }
                deliver(owner, item.message)
            }
        }
    }

    private func next(isolation: isolated (any Actor)? = #isolation) async -> Item? {
        if let item = state.withLock({ $0.items.popFirst() }) { return item }
        return await withUnsafeContinuation(isolation: isolation) { continuation in
            let ready: Item?? = state.withLock { state in
                if let item = state.items.popFirst() { return .some(item) }
                if state.closed { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Queues `message` to arrive `latencyNanos` from now (or right after the previous one, if later).
    func send(_ message: Message, nowNanos: Int64, latencyNanos: Int64) {
        let handOver = state.withLock { state -> (UnsafeContinuation<Item?, Never>, Item)? in
            guard !state.closed else { return nil }
            state.lastDeliverAtNanos = max(state.lastDeliverAtNanos, nowNanos + max(0, latencyNanos))
            let item = Item(deliverAtNanos: state.lastDeliverAtNanos, message: message)
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, item)
            }
            state.items.append(item)
            return nil
        }
        if let (waiter, item) = handOver { waiter.resume(returning: item) }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Drops everything in flight and stops the pipe.
    func close() {
        let waiter = state.withLock { state -> UnsafeContinuation<Item?, Never>? in
            state.closed = true
            state.items.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
