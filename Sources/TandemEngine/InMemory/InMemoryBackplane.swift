import TandemCore
import TandemRuntime

/// A backplane inside one process: every published envelope reaches every other subscribed node, in
/// publication order per subscriber.
///
/// Each subscriber has its own unbounded queue drained by one task, so a slow node never blocks a
/// publisher. For one process only; across processes the server uses Redis Streams.
public actor InMemoryBackplane: Backplane {
    private var subscribers: [String: AsyncStream<BackplaneEnvelope>.Continuation] = [:]
    private var order: [String] = []

    public init() {}

    public func publish(_ envelope: BackplaneEnvelope) {
        for node in order where node != envelope.origin { subscribers[node]?.yield(envelope) }
    }

    public func subscribe(node: String, deliver: @escaping @Sendable (BackplaneEnvelope) async -> Void) {
        unsubscribe(node: node)
        let (stream, continuation) = AsyncStream<BackplaneEnvelope>.makeStream(bufferingPolicy: .unbounded)
        subscribers[node] = continuation
        order.append(node)
        TandemRuntime.spawn {
            for await envelope in stream { await deliver(envelope) }
        }
    }

    public func unsubscribe(node: String) {
        subscribers.removeValue(forKey: node)?.finish()
        order.removeAll { $0 == node }
    }
}
