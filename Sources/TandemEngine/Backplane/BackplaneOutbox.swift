import DequeModule
import Synchronization

/// A node's envelopes on their way to the backplane: the node offers each one (never waiting), its publisher task
/// takes them in order and publishes one at a time. Bounded: when `capacity` are waiting, the oldest is dropped
/// (`NodeLimits.backplaneOutboxCountMax`, counted as `backplaneOutboxDropped`).
///
/// What `AsyncStream` with `.bufferingNewest(capacity)` does, step for step — a waiting publisher is handed the
/// envelope by resuming it; `next` returns at once while envelopes wait, suspends (on the generic executor, as the
/// stream's storage does) only when none does, and returns nil once finished and empty — but specialised to its one
/// element type. The stream's storage is generic code of the standard library, unspecialised: every `yield` and
/// `next` looked up `Optional<BackplaneEnvelope>`'s metadata at run time, and its buffer is an `Array` whose
/// `removeFirst` moves every envelope behind the first (about 5,900 instructions per envelope: 5 % of a 10,000-user
/// simulation's instructions; docs/BENCHMARKS.md). Here a `Deque`, under a `Mutex` (the node offers on its actor, the publisher
/// takes on the generic executor).
///
/// No cancellation handler: the publisher ends when the outbox is finished, and the node finishes it before it
/// cancels its tasks (`shutdown`, `crash`). A cancelled publisher still gets what waits, as a stream's would.
final class BackplaneOutbox: Sendable {
    enum Offer: Equatable {
        case enqueued
        /// The outbox was full: its oldest envelope was dropped to make room.
        case dropped
        /// Finished: the envelope was not taken.
        case finished
    }

    private struct State {
        var waiting = Deque<BackplaneEnvelope>()
        /// The publisher, suspended in `next` (only while nothing waits).
        var publisher: UnsafeContinuation<BackplaneEnvelope?, Never>?
        var finished = false
    }

    private let state = Mutex(State())
    let capacity: Int

    /// `capacity` 0 holds nothing: an envelope no publisher waits for is dropped.
    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Hands `envelope` to the waiting publisher, or queues it (dropping the oldest when full).
    func offer(_ envelope: BackplaneEnvelope) -> Offer {
        let (offer, publisher) = state.withLock { state -> (Offer, UnsafeContinuation<BackplaneEnvelope?, Never>?) in
            if state.finished { return (.finished, nil) }
            if let publisher = state.publisher {
                state.publisher = nil
                return (.enqueued, publisher)
            }
            if state.waiting.count < capacity {
                state.waiting.append(envelope)
                return (.enqueued, nil)
            }
            guard !state.waiting.isEmpty else { return (.dropped, nil) }
            state.waiting.removeFirst()
            state.waiting.append(envelope)
            return (.dropped, nil)
        }
        publisher?.resume(returning: envelope)
        return offer
    }

    /// No more envelopes: a waiting publisher gets nil; what waits is still taken.
    func finish() {
        let publisher = state.withLock { state -> UnsafeContinuation<BackplaneEnvelope?, Never>? in
            state.finished = true
            defer { state.publisher = nil }
            return state.publisher
        }
        publisher?.resume(returning: nil)
    }

    /// The next envelope, waiting for one if none waits; nil once finished and empty. One caller at a time.
    @concurrent func next() async -> BackplaneEnvelope? {
        await withUnsafeContinuation { continuation in
            let ready = state.withLock { state -> BackplaneEnvelope?? in
                precondition(state.publisher == nil, "BackplaneOutbox.next: two publishers")
                if let first = state.waiting.popFirst() { return .some(first) }
                if state.finished { return .some(nil) }
                state.publisher = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
