import TandemRuntime

/// A one-way, in-order message channel with latency: what one TCP connection direction does.
///
/// `send` is synchronous (callable from any simulated actor); each message is handed to `deliver` at its
/// delivery time, never before an earlier message of the same pipe. One task per pipe drains it, so a
/// message costs one timer and no task creation. `close` drops whatever is still in flight.
final class SimPipe<Message: Sendable>: Sendable {
    private struct Item: Sendable {
        var deliverAtNanos: Int64
        var message: Message
    }

    private let continuation: AsyncStream<Item>.Continuation
    private let lastDeliverAt = LockedValue<Int64>(0)
    private let closed = LockedValue(false)
    private let task: Task<Void, Never>

    /// Starts the pipe's drain task; call from inside the simulation.
    init(executor: SimExecutor, deliver: @escaping @Sendable (Message) async -> Void) {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .unbounded)
        self.continuation = continuation
        let closed = self.closed
        task = spawn {
            for await item in stream {
                if item.deliverAtNanos > executor.nowNanos {
                    do { try await executor.sleep(untilNanos: item.deliverAtNanos) } catch { return }
                }
                if closed.value { continue }
                await deliver(item.message)
            }
        }
    }

    /// Queues `message` to arrive `latencyNanos` from now (or right after the previous one, if later).
    func send(_ message: Message, nowNanos: Int64, latencyNanos: Int64) {
        if closed.value { return }
        let at = lastDeliverAt.update { last in
            last = max(last, nowNanos + max(0, latencyNanos))
            return last
        }
        continuation.yield(Item(deliverAtNanos: at, message: message))
    }

    var isClosed: Bool { closed.value }

    /// Drops everything in flight and stops the pipe.
    func close() {
        closed.value = true
        continuation.finish()
    }
}
