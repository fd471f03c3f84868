/// The sleeping timers of one `SimExecutor`: a (deadline, sequence) radix heap over a slot table.
///
/// A timer wakes either a suspended task (its continuation) or a ``SimTimerTarget`` that the loop calls
/// directly. Loop-thread only (owned by the executor). Cancelled timers stay in the heap and are skipped
/// when they reach the top, so cancellation is O(1) and never moves virtual time.
struct SimTimerQueue {
    typealias Continuation = UnsafeContinuation<Void, any Error>

    /// What a timer wakes when it fires.
    enum Wake {
        case task(Continuation)
        case target(any SimTimerTarget)
    }

    /// 16 bytes: four to a cache line as the heap's buckets move them (24 bytes, with the slot apart, made the old
    /// four-ary heap's sift 5.5 % of `users-10k`'s instructions; docs/BENCHMARKS.md).
    struct Entry: Comparable {
        let deadlineNanos: Int64
        /// The registration sequence in the high 36 bits, the slot in the low 28: ordered as the sequence (unique).
        let order: UInt64

        static let slotBits: UInt64 = 28
        /// Slots (timers alive at once) and sequences (timers registered in a run) the packing holds: 268 million and
        /// 68 billion (`SimLimits.timerCountMax` is a million; `users-100k` registers 39 million timers).
        static let slotCount = 1 << slotBits
        static let sequenceCount: UInt64 = 1 << (64 - slotBits)

        init(deadlineNanos: Int64, sequence: UInt64, slot: Int) {
            precondition(slot < Self.slotCount && sequence < Self.sequenceCount,
                         "SimTimerQueue: timer \(sequence) in slot \(slot) is past what an entry holds")
            self.deadlineNanos = deadlineNanos
            self.order = sequence << Self.slotBits | UInt64(slot)
        }

        var sequence: UInt64 { order >> Self.slotBits }
        var slot: Int { Int(truncatingIfNeeded: order & (1 << Self.slotBits - 1)) }

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadlineNanos != rhs.deadlineNanos ? lhs.deadlineNanos < rhs.deadlineNanos : lhs.order < rhs.order
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.order == rhs.order }
    }

    /// A slot is live while `sequence` matches the heap entry's; `wake` is nil between `reserve` and
    /// `attach` (a few instructions on the loop thread).
    struct Slot {
        var sequence: UInt64
        var wake: Wake?
    }

    private let heap = RadixTimerHeap()
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
            slots[slot] = Slot(sequence: sequence, wake: nil)
        } else {
            slot = slots.count
            slots.append(Slot(sequence: sequence, wake: nil))
        }
        liveCount += 1
        heap.push(Entry(deadlineNanos: deadlineNanos, sequence: sequence, slot: slot))
        return SimSleepToken(sequence: sequence, slot: slot)
    }

    mutating func attach(_ wake: consuming Wake, to token: SimSleepToken) {
        precondition(isLive(token) && slots[token.slot].wake == nil, "SimTimerQueue: attach to a dead slot")
        slots[token.slot].wake = wake
    }

    mutating func attach(_ continuation: Continuation, to token: SimSleepToken) {
        attach(.task(continuation), to: token)
    }

    /// Frees the token's slot and returns what it would wake, if the timer is still live.
    mutating func remove(_ token: SimSleepToken) -> Wake? {
        guard isLive(token) else { return nil }
        let wake = slots[token.slot].wake.take()  // moved out, not copied
        slots[token.slot].sequence = 0
        freeSlots.append(token.slot)
        liveCount -= 1
        return wake
    }

    /// Like `remove`, but leaves a reserved slot that has nothing attached yet; returns the sleeping task's
    /// continuation (sleeps are the only timers that are cancelled).
    mutating func removeIfAttached(_ token: SimSleepToken) -> Continuation? {
        guard isLive(token), case .task(let continuation)? = slots[token.slot].wake else { return nil }
        _ = remove(token)
        return continuation
    }

    /// True while a reserved timer has not fired or been removed.
    func isLive(_ token: SimSleepToken) -> Bool {
        token.slot < slots.count && slots[token.slot].sequence == token.sequence
    }

    /// Deadline of the earliest live timer, dropping cancelled entries from the top.
    mutating func nextDeadlineNanos() -> Int64? {
        while let top = heap.min() {
            if slots[top.slot].sequence == top.sequence { return top.deadlineNanos }
            _ = heap.pop()
        }
        return nil
    }

    /// Removes the earliest live timer; call after `nextDeadlineNanos()` returned a value.
    mutating func popNext() -> Wake? {
        guard let top = heap.pop() else { return nil }
        return remove(SimSleepToken(sequence: top.sequence, slot: top.slot))
    }
}

/// A timer registered with ``SimExecutor/call(_:atNanos:)``, to take it back with ``SimExecutor/cancel(_:)``.
public struct SimTimer: Sendable {
    let token: SimSleepToken
}

/// Names one registered sleep, so its cancellation handler can find it again.
struct SimSleepToken: Sendable, Equatable {
    let sequence: UInt64
    let slot: Int
}

/// An object the simulation loop calls when its timer fires (``SimExecutor/call(_:atNanos:)``), instead of
/// resuming a suspended task: simulator plumbing that only needs to run a few synchronous steps at a virtual
/// instant (a pipe delivering its next message) saves the task, its job and the executor switch.
public protocol SimTimerTarget: AnyObject, Sendable {
    /// Runs on the loop thread, between jobs, at the timer's deadline; `SimRuntime.executor` is bound.
    func timerFired()
}
