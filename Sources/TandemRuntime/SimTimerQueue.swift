/// The sleeping timers of one `SimExecutor`: a (deadline, sequence) heap over a slot table.
///
/// Loop-thread only (owned by the executor). Cancelled timers stay in the heap and are skipped
/// when they reach the top, so cancellation is O(1) and never moves virtual time.
struct SimTimerQueue {
    typealias Continuation = UnsafeContinuation<Void, any Error>

    struct Entry: Comparable {
        let deadlineNanos: Int64
        let sequence: UInt64
        let slot: Int

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadlineNanos != rhs.deadlineNanos
                ? lhs.deadlineNanos < rhs.deadlineNanos : lhs.sequence < rhs.sequence
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.sequence == rhs.sequence }
    }

    /// A slot is live while `sequence` matches the heap entry's; `continuation` is nil between
    /// `reserve` and `attach` (a few instructions on the loop thread).
    struct Slot {
        var sequence: UInt64
        var continuation: Continuation?
    }

    private var heap = MinHeap<Entry>()
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var nextSequence: UInt64 = 1  // 0 marks a free slot
    private(set) var liveCount = 0

    /// Registers a timer; ties on the deadline fire in registration order.
    mutating func reserve(deadlineNanos: Int64) -> SimSleepToken {
        let sequence = nextSequence
        nextSequence &+= 1
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[slot] = Slot(sequence: sequence, continuation: nil)
        } else {
            slot = slots.count
            slots.append(Slot(sequence: sequence, continuation: nil))
        }
        liveCount += 1
        heap.push(Entry(deadlineNanos: deadlineNanos, sequence: sequence, slot: slot))
        return SimSleepToken(sequence: sequence, slot: slot)
    }

    mutating func attach(_ continuation: Continuation, to token: SimSleepToken) {
        precondition(isLive(token) && slots[token.slot].continuation == nil, "SimTimerQueue: attach to a dead slot")
        slots[token.slot].continuation = continuation
    }

    /// Frees the token's slot and returns its continuation, if the timer is still live.
    mutating func remove(_ token: SimSleepToken) -> Continuation? {
        guard isLive(token) else { return nil }
        let continuation = slots[token.slot].continuation
        slots[token.slot] = Slot(sequence: 0, continuation: nil)
        freeSlots.append(token.slot)
        liveCount -= 1
        return continuation
    }

    /// Like `remove`, but leaves a reserved slot that has no continuation yet.
    mutating func removeIfAttached(_ token: SimSleepToken) -> Continuation? {
        guard isLive(token), slots[token.slot].continuation != nil else { return nil }
        return remove(token)
    }

    /// True while a reserved timer has not fired or been removed.
    func isLive(_ token: SimSleepToken) -> Bool {
        token.slot < slots.count && slots[token.slot].sequence == token.sequence
    }

    /// Deadline of the earliest live timer, dropping cancelled entries from the top.
    mutating func nextDeadlineNanos() -> Int64? {
        while let top = heap.min {
            if slots[top.slot].sequence == top.sequence { return top.deadlineNanos }
            heap.pop()
        }
        return nil
    }

    /// Removes the earliest live timer; call after `nextDeadlineNanos()` returned a value.
    mutating func popNext() -> Continuation? {
        guard let top = heap.pop() else { return nil }
        return remove(SimSleepToken(sequence: top.sequence, slot: top.slot))
    }
}

/// Names one registered sleep, so its cancellation handler can find it again.
struct SimSleepToken: Sendable, Equatable {
    let sequence: UInt64
    let slot: Int
}
