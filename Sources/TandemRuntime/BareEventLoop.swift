/// A bare discrete-event loop: a binary heap of (time, sequence, closure) and no Swift concurrency.
///
/// It is the baseline the simulator's speed is reported against (`runtime-bench`): the classic
/// shape of a discrete-event simulator, with equal times run in scheduling order. Unlike
/// `SimExecutor` it cannot run actors or async code; events are plain closures on one thread.
public final class BareEventLoop {
    @usableFromInline
    struct Event: Comparable {
        @usableFromInline let timeNanos: Int64
        @usableFromInline let sequence: UInt64
        @usableFromInline let action: () -> Void

        @inlinable
        init(timeNanos: Int64, sequence: UInt64, action: @escaping () -> Void) {
            self.timeNanos = timeNanos
            self.sequence = sequence
            self.action = action
        }

        @inlinable
        static func < (lhs: Event, rhs: Event) -> Bool {
            lhs.timeNanos != rhs.timeNanos ? lhs.timeNanos < rhs.timeNanos : lhs.sequence < rhs.sequence
        }

        @inlinable
        static func == (lhs: Event, rhs: Event) -> Bool {
            lhs.timeNanos == rhs.timeNanos && lhs.sequence == rhs.sequence
        }
    }

    @usableFromInline var heap = MinHeap<Event>()
    @usableFromInline var nextSequence: UInt64 = 0
    public private(set) var nowNanos: Int64 = 0
    public private(set) var eventCount = 0
    /// Most events one loop may run before `run` stops (a runaway model is a bug, not a long run).
    public let eventCountMax: Int
    /// The trace the events record into, hashed exactly like `SimExecutor.trace`.
    public var trace = TraceHasher()

    public init(eventCountMax: Int = 1 << 40) {
        precondition(eventCountMax > 0, "eventCountMax must be positive")
        self.eventCountMax = eventCountMax
    }

    public var pendingEventCount: Int { heap.count }

    /// Schedules `action` at an absolute virtual time (clamped to now: the past is not reachable).
    @inlinable
    public func schedule(atNanos timeNanos: Int64, _ action: @escaping () -> Void) {
        heap.push(Event(timeNanos: Swift.max(timeNanos, nowNanos), sequence: nextSequence, action: action))
        nextSequence &+= 1
    }

    @inlinable
    public func schedule(afterNanos delayNanos: Int64, _ action: @escaping () -> Void) {
        schedule(atNanos: nowNanos.addingSaturating(Swift.max(0, delayNanos)), action)
    }

    /// Runs events in (time, sequence) order until none is left, the next is after `limitNanos`,
    /// or `eventCountMax` is reached. Returns the number of events run by this call.
    @discardableResult
    public func run(untilNanos limitNanos: Int64 = .max) -> Int {
        let startCount = eventCount
        while eventCount < eventCountMax, let next = heap.min, next.timeNanos <= limitNanos {
            heap.pop()
            nowNanos = next.timeNanos
            eventCount += 1
            next.action()
        }
        return eventCount - startCount
    }
}
