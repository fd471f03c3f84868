import TandemCore
@testable import TandemEngine
import TandemRuntime
import Testing

/// The node's outbox keeps `AsyncStream`'s `.bufferingNewest` contract: in order, a waiting publisher handed the
/// envelope at once, the oldest dropped when full, the rest still taken after `finish`, then nil.
@Suite struct BackplaneOutboxTests {
    static func envelope(_ number: Int) -> BackplaneEnvelope {
        BackplaneEnvelope(origin: "node-1", message: .presence(RecordKey(model: "Contact", recordID: String(number)),
                                                                .left(connection: "c\(number)")))
    }

    static func number(_ envelope: BackplaneEnvelope?) -> Int? {
        guard case .presence(let key, _)? = envelope?.message else { return nil }
        return Int(key.recordID)
    }

    /// A publisher that waits while nothing does, and records what it takes, in order.
    final class Publisher: @unchecked Sendable {
        // (Touched only by the simulation's one thread.)
        var taken: [Int?] = []
        var waiting = false
    }

    static func startPublisher(_ outbox: BackplaneOutbox, _ publisher: Publisher) {
        spawn {
            while true {
                publisher.waiting = true
                let envelope = await outbox.next()
                publisher.waiting = false
                publisher.taken.append(number(envelope))
                if envelope == nil { return }
            }
        }
    }

    @Test func aWaitingPublisherGetsEachEnvelopeAndTheQueueKeepsItsOrder() async throws {
        try await inSimulation { executor in
            let outbox = BackplaneOutbox(capacity: 3)
            let publisher = Publisher()
            Self.startPublisher(outbox, publisher)
            try await executor.clock.sleep(for: .milliseconds(1))
            #expect(publisher.waiting, "nothing waits, so the publisher does")
            #expect(outbox.offer(Self.envelope(1)) == .enqueued)
            // The first was handed over (the publisher runs once this test's turn ends); the next three wait, and fit.
            #expect(outbox.offer(Self.envelope(2)) == .enqueued)
            #expect(outbox.offer(Self.envelope(3)) == .enqueued)
            #expect(outbox.offer(Self.envelope(4)) == .enqueued)
            try await executor.clock.sleep(for: .milliseconds(1))
            #expect(publisher.taken == [1, 2, 3, 4])
            outbox.finish()
            try await executor.clock.sleep(for: .milliseconds(1))
            #expect(publisher.taken == [1, 2, 3, 4, nil], "a waiting publisher gets nil when the outbox is finished")
        }
    }

    @Test func aFullOutboxDropsItsOldestAndWhatWaitsIsStillTakenAfterFinish() async throws {
        try await inSimulation { executor in
            let outbox = BackplaneOutbox(capacity: 3)
            let offers = (1...5).map { outbox.offer(Self.envelope($0)) }
            #expect(offers == [.enqueued, .enqueued, .enqueued, .dropped, .dropped])
            outbox.finish()
            #expect(outbox.offer(Self.envelope(6)) == .finished)
            let publisher = Publisher()
            Self.startPublisher(outbox, publisher)
            try await executor.clock.sleep(for: .milliseconds(1))
            #expect(publisher.taken == [3, 4, 5, nil], "the newest three, in order, then the end")
        }
    }

    @Test func anOutboxOfNoCapacityHoldsNothingButStillHandsToAWaitingPublisher() async throws {
        try await inSimulation { executor in
            let outbox = BackplaneOutbox(capacity: 0)
            #expect(outbox.offer(Self.envelope(1)) == .dropped)
            let publisher = Publisher()
            Self.startPublisher(outbox, publisher)
            try await executor.clock.sleep(for: .milliseconds(1))
            #expect(outbox.offer(Self.envelope(2)) == .enqueued)
            outbox.finish()
            try await executor.clock.sleep(for: .milliseconds(1))
            #expect(publisher.taken == [2, nil])
        }
    }
}
