/// A FIFO lock per record, held across the awaits of one record operation (load, append, retry).
///
/// It lives inside the node actor and is only touched there, so it needs no atomics: the actor's isolation
/// is the lock's lock. Waiters are resumed in arrival order, which keeps simulated runs deterministic.
struct RecordGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    var isIdle: Bool { !busy && waiters.isEmpty }

    /// Takes the gate now (returns true) or registers `continuation` to be resumed when it is handed over.
    mutating func enter() -> Bool {
        if busy { return false }
        busy = true
        return true
    }

    mutating func wait(_ continuation: CheckedContinuation<Void, Never>) { waiters.append(continuation) }

    /// Hands the gate to the next waiter, or frees it.
    mutating func leave() {
        precondition(busy, "record gate left without being entered")
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
