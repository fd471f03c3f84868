import DequeModule
import Synchronization
import TandemRuntime

/// A one-way, in-order message channel with latency: what one TCP connection direction does.
///
/// `send` is synchronous (callable from any simulated actor); each message is handed to `deliver` at its
/// delivery time, never before an earlier message of the same pipe. `close` drops what is in flight.
///
/// Two ways to drain it. To an async receiver, one task per pipe: when the pipe is idle its task is parked, and a
/// send hands the parked task straight to the executor's timer queue for the message's delivery time (one timer and
/// one job per delivery). To a synchronous receiver (a client or a node, called as its actor; a connection's inbox on
/// its node), no task at all: the pipe is the timer's target, and the loop calls it at the delivery time, where the
/// resumed task's job would have run (one timer, no job, no executor switch).
///
/// This is the simulator's hottest path (every delivery of every message); an `AsyncStream` and a sleep per
/// message cost about a third more than the task, and the task about a tenth more than the timer target.
// Why `@unchecked Sendable` is safe: its mutable state (`state`, `fire`) is touched only on the simulation's loop thread
// (`send` asserts it in debug builds): every send comes from simulated code, every delivery from the loop or a
// drain task of the simulation, and simulated code runs only there, one job or timer at a time (`SimExecutor`). (It
// was a `Mutex`: in a `perf` profile of `users-10k` four in ten of a send's samples sat on its lock's and unlock's
// atomic `lock cmpxchg`.)
final class SimPipe<Message: Sendable>: SimTimerTarget, @unchecked Sendable {
    private struct Item: Sendable {
        var deliverAtNanos: Int64
        /// Until then the message waits in the sender's write queue and can still be discarded.
        var queuedUntilNanos: Int64
        var message: Message
    }

    private struct State: Sendable {
        var items = Deque<Item>()
        /// The drain task, parked (task form).
        var waiter: UnsafeContinuation<Void, any Error>?
        /// A timer will call ``timerFired()``, or it is running (target form).
        var armed = false
        var closed = false
        var lastDeliverAtNanos: Int64 = 0
    }

    private enum Step {
        case deliver(Message)
        case waitUntil(Int64)
        case park
        case stop
    }

    @exclusivity(unchecked) private var state = LoopLocal(State())
    /// The target form's drain, built where `Message` is known. It holds the receiver: `close` lets go of it, as
    /// the task form's task ends there. Kept apart from `State`, in a type that does not mention `Message`: the loop
    /// calls `timerFired` through the protocol, in code generic over `Message`, where reading an optional of a type
    /// that mentions `Message` looks up that optional's metadata at run time (a third of a microsecond per delivery,
    /// 1.3 % of `scale-1000x10`'s instructions).
    ///
    /// The closure sits in a concrete struct, never bare in a generic container: when it sat in a `Mutex`, whose
    /// `withLock` hands its value over as `inout` in the generic (most abstract) form, a bare function value was wrapped
    /// in a reabstraction thunk on the way in and another on the way back, and every access stored a closure two thunks
    /// deeper (each delivery walked the whole chain: `classroom-150` took 37 s instead of 0.9 s).
    @exclusivity(unchecked) private var fire = SimPipeFire()
    private let executor: SimExecutor
    /// Delivered by the loop calling ``timerFired()`` (true), or by a drain task.
    private let targetForm: Bool

    /// Starts the pipe's drain task; call from inside the simulation.
    init(executor: SimExecutor, deliver: @escaping @Sendable (Message) async -> Void) {
        self.executor = executor
        self.targetForm = false
        spawn { [self] in
            while let message = await self.next() { await deliver(message) }
        }
    }

    /// A pipe that delivers by a synchronous call on `owner` (a simulated client, or a node), straight from the
    /// simulation loop at each delivery time: no task.
    ///
    /// Why calling `deliver` without entering `owner` is safe: `owner` must be an actor whose jobs run only through
    /// `executor`'s FIFO — one whose serial executor is `executor` (a simulated client; `SimConnection` checks it),
    /// or a default actor that only simulated tasks use (a node: the runtime hands a default actor's turns, taken on
    /// the loop thread, to `executor`'s FIFO — `SimGlobalEnqueue`) — so its jobs run only on the loop thread, one at a time,
    /// inside the loop's job pass. The loop calls
    /// ``timerFired()`` on that thread only when no job is runnable and none is running (it fires a timer after
    /// the pass has emptied the FIFO), so every actor of the simulation is idle with an empty queue then: nothing
    /// else can touch `owner`'s state until the call returns, exactly as if a job on `owner` made it (which is
    /// what the task form did, and where). `deliver` is synchronous, so it cannot suspend while "inside".
    /// The cast is the one the standard library's `assumeIsolated` makes after its executor check, which a
    /// default actor cannot pass outside its own jobs.
    ///
    /// The pipe holds `owner` until it is closed (`close` lets go of the drain).
    init<Owner: Actor>(
        executor: SimExecutor, owner: Owner, deliver: @escaping @Sendable (isolated Owner, Message) -> Void
    ) {
        self.executor = executor
        self.targetForm = true
        let call = unsafeBitCast(deliver, to: (@Sendable (Owner, Message) -> Void).self)
        // `fire` is only ever called with this pipe (``timerFired()``).
        fire.call = { pipe in unsafeDowncast(pipe, to: SimPipe<Message>.self).deliverDue { call(owner, $0) } }
    }

    /// A pipe that hands each message to `deliver` from the simulation loop at its delivery time, on the loop thread
    /// between jobs (target form, no task), for a receiver that is no actor and keeps its own state (a connection's
    /// inbox on its node: `SimConnection`).
    init(executor: SimExecutor, onLoop deliver: @escaping @Sendable (Message) -> Void) {
        self.executor = executor
        self.targetForm = true
        fire.call = { pipe in unsafeDowncast(pipe, to: SimPipe<Message>.self).deliverDue(deliver) }
    }

    func timerFired() {
        executor.probe()  // the safety argument of the target form's init needs the loop thread
        // Copied out before the call: a delivery can close this pipe, which clears `fire`.
        let fired = fire
        fired.call?(self)
    }

    /// Target form: hands every message due now to `receive`, then sets a timer for the next one or goes idle.
    private func deliverDue(_ receive: (Message) -> Void) {
        while true {
            let now = executor.nowNanos
            let step = state.update { state -> Step in
                if state.closed {
                    state.armed = false
                    return .stop
                }
                guard let deliverAt = state.items.first?.deliverAtNanos else {
                    state.armed = false
                    return .park
                }
                if deliverAt > now { return .waitUntil(deliverAt) }
                // Moved out, not copied and then released with the stored one (a retain and a release, atomic each,
                // for every reference the message holds, on every delivery).
                return .deliver(state.items.removeFirst().message)
            }
            switch step {
            case .deliver(let message): receive(message)
            case .waitUntil(let deadline):
                executor.call(self, atNanos: deadline)
                return
            case .park, .stop: return
            }
        }
    }

    /// The next message once its delivery time has come, or nil when the pipe is closed.
    private func next(isolation: isolated (any Actor)? = #isolation) async -> Message? {
        while true {
            let now = executor.nowNanos
            let step = state.update { state -> Step in
                if state.closed { return .stop }
                guard let deliverAt = state.items.first?.deliverAtNanos else { return .park }
                if deliverAt > now { return .waitUntil(deliverAt) }
                return .deliver(state.items.removeFirst().message)  // moved out (see `deliverDue`)
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
                    let wakeAt = state.update { state -> Int64?? in
                        if state.closed { return .some(nil) }
                        if let deliverAt = state.items.first?.deliverAtNanos { return .some(deliverAt) }
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
        assert(executor.isOnLoopThread, "SimPipe used off the simulation thread")
        let wake = state.update { state -> (UnsafeContinuation<Void, any Error>?, Int64)? in
            guard !state.closed else { return nil }
            state.lastDeliverAtNanos = max(state.lastDeliverAtNanos, departAtNanos + max(0, latencyNanos))
            state.items.append(Item(
                deliverAtNanos: state.lastDeliverAtNanos, queuedUntilNanos: queuedUntilNanos, message: message))
            if targetForm {
                guard !state.armed else { return nil }
                state.armed = true
                return (nil, state.lastDeliverAtNanos)
            }
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.lastDeliverAtNanos)
        }
        guard let (waiter, deadline) = wake else { return }
        if let waiter {
            executor.resume(waiter, atNanos: deadline)
        } else {
            executor.call(self, atNanos: deadline)
        }
    }

    var isClosed: Bool { state.read { $0.closed } }

    /// Drops the messages still waiting in the sender's write queue at `nowNanos` (a 1013 close discards the
    /// backlog; what is already being written still arrives). Returns how many were dropped.
    @discardableResult
    func discardQueued(nowNanos: Int64) -> Int {
        state.update { state in
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
        let waiter = state.update { state -> UnsafeContinuation<Void, any Error>? in
            state.closed = true
            state.items.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        fire.call = nil
        waiter?.resume()
    }
}

/// ``SimPipe``'s drain, in a concrete struct: see ``SimPipe/fire``. Outside `SimPipe`, since a type nested in a
/// generic class is generic too, and looking up its metadata cost 1.5 % of `scale-1000x10`'s instructions.
private struct SimPipeFire {
    var call: (@Sendable (AnyObject) -> Void)?
}
