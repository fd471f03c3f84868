import DequeModule
import TandemRuntime
import TandemScenario

/// One simulated node's processor: the node actor (serial) and its `cores` (parallel), as a timetable.
///
/// Work is booked when it becomes known, not simulated step by step. A write that is ready at `t` starts on the
/// core that frees up first, no earlier than `t`, and holds that core for its sampled cost; writes are served
/// in booking order. Decoding an inbound frame, and the actor's work (once the actor is free), take their
/// time from the core that frees up first ahead of the writes queued there: writes booked on that core
/// afterwards start later by as much (what was already booked keeps its times). With event loops
/// (`NodeCosts.eventLoops`) the actor's work shares that core with the queued writes instead, as the kernel shares
/// it between threads: the same CPU, a longer wall time (`bookActor`).
/// Booking costs no timers; the callers pause or date their messages by the returned end times.
///
/// A term that is off (`{fixed: 0}`) books nothing and waits for nothing. Only touched on the simulation
/// thread.
// Why `@unchecked Sendable` is safe: its only mutable state is `LoopLocal`, which simulated code alone touches, and
// simulated code runs only on the simulation's loop thread, one job or timer at a time (`SimExecutor`).
final class NodeCPU: @unchecked Sendable {
    fileprivate struct State {
        var actorFreeAtNanos: Int64 = 0
        var coreFreeAtNanos: [Int64]
        var random: SplitMix64
        /// When each inbound message booked on the actor starts there (ascending): the ones still ahead of
        /// now are the node's queue.
        var inboundStarts = Deque<Int64>()
        /// Writes started (frames that paid `per_write`) since the counters were last taken.
        var writesStarted = 0
        /// The actor's wall time on frames (`per_message` and `per_recipient` from their start to their end, the
        /// event loops' share included; not store calls) since the counters were last taken.
        var actorBusyNanos: Int64 = 0
        /// `NodeCosts.eventLoops` and `cores`, for the actor's share of a busy core.
        let eventLoops: Int
        let cores: Int
        /// `NodeCosts.cpuScale`: every draw but `per_write`'s is multiplied by it.
        let cpuScale: Double
        /// `NodeCosts.effectiveWriteScale`: `per_write`'s draw is multiplied by it.
        let writeScale: Double
    }

    let costs: NodeCosts
    @exclusivity(unchecked) private var state: LoopLocal<State>

    init(costs: NodeCosts, seed: UInt64, node: Int) {
        self.costs = costs
        self.state = LoopLocal(State(
            coreFreeAtNanos: Array(repeating: 0, count: max(1, costs.cores)),
            random: SplitMix64.derive(seed: seed, stream: 0x6370_7500 &+ UInt64(node)),
            eventLoops: costs.eventLoops, cores: max(1, costs.cores), cpuScale: costs.cpuScale,
            writeScale: costs.effectiveWriteScale))
    }

    /// Books `term` on the actor, ready at `readyNanos`; returns when it ends. `busy`: the node's own time on the
    /// frame it handles (counted in `takeActorBusyNanos`, as the real server's `busy` stage counts it); a store
    /// call's is not (the server counts the call as a wait).
    func serial(_ term: DurationDistribution, readyAt readyNanos: Int64, busy: Bool = true) -> Int64 {
        guard !term.isZero else { return readyNanos }
        return state.update { state in
            let cost = state.draw(term)
            let booked = state.bookActor(readyAt: readyNanos, cost: cost)
            if busy { state.actorBusyNanos += booked.end - booked.start }
            return booked.end
        }
    }

    /// Books an inbound message: `per_frame` on a core, then `per_message` on the actor; returns when the
    /// actor is done with it.
    func inbound(arrivedAt nowNanos: Int64) -> Int64 {
        state.update { state in
            var decoded = nowNanos
            if !costs.perFrame.isZero {
                let cost = state.draw(costs.perFrame)
                decoded = state.takeCore(at: nowNanos, cost: cost) + cost
            }
            guard !costs.perMessage.isZero else { return decoded }
            let cost = state.draw(costs.perMessage)
            let booked = state.bookActor(readyAt: decoded, cost: cost)
            state.actorBusyNanos += booked.end - booked.start
            state.noteInbound(startNanos: booked.start, nowNanos: nowNanos)
            return booked.end
        }
    }

    /// Books one frame's write on the first free core, no earlier than `readyNanos`, after the writes booked
    /// before it: `per_delivery`, plus `per_write` when the frame starts a write (nothing else waits for its
    /// connection's writer), which is then counted; returns when it starts and ends.
    func write(startsWrite: Bool, readyAt readyNanos: Int64) -> (start: Int64, end: Int64) {
        let perWrite = startsWrite ? costs.perWrite : .zero
        guard !costs.perDelivery.isZero || !perWrite.isZero else { return (readyNanos, readyNanos) }
        return state.update { state in
            // A term that is off draws nothing, so adding one leaves the other terms' draws as they were.
            var cost = costs.perDelivery.isZero ? 0 : state.draw(costs.perDelivery)
            if !perWrite.isZero {
                cost += state.draw(perWrite, scale: state.writeScale)
                state.writesStarted += 1
            }
            let start = state.bookCore(readyAt: readyNanos, cost: cost)
            return (start, start + cost)
        }
    }

    /// Gives back `nanos` of booked write time that will not be spent (frames discarded by a 1013 close), from
    /// the cores booked furthest ahead, never before `nowNanos`. Writes booked earlier keep their times, so
    /// for a while the cores can hold a little more than they can do; the total work stays what is done.
    func release(_ nanos: Int64, nowNanos: Int64) {
        guard nanos > 0 else { return }
        state.update { state in
            var left = nanos
            while left > 0 {
                var latest = 0
                for core in state.coreFreeAtNanos.indices
                where state.coreFreeAtNanos[core] > state.coreFreeAtNanos[latest] { latest = core }
                let spare = state.coreFreeAtNanos[latest] - nowNanos
                guard spare > 0 else { return }
                let taken = min(spare, left)
                state.coreFreeAtNanos[latest] -= taken
                left -= taken
            }
        }
    }

    /// Inbound messages that arrived and have not yet reached the actor, at `nowNanos`.
    func queueDepth(nowNanos: Int64) -> Int {
        state.update { state in
            state.dropStarted(nowNanos: nowNanos)
            return state.inboundStarts.count
        }
    }

    /// The writes started (frames that paid `per_write`) since the last call; 0 when `per_write` is off.
    func takeWritesStarted() -> Int {
        state.update { state in
            defer { state.writesStarted = 0 }
            return state.writesStarted
        }
    }

    /// The actor's wall time on frames since the last call (`serial` with `busy`, and `inbound`): over the messages
    /// in, what the real server's `busy` stage averages.
    func takeActorBusyNanos() -> Int64 {
        state.update { state in
            defer { state.actorBusyNanos = 0 }
            return state.actorBusyNanos
        }
    }

    /// A crash: the work booked ahead is gone with the process.
    func reset(nowNanos: Int64) {
        state.update { state in
            state.actorFreeAtNanos = nowNanos
            for core in state.coreFreeAtNanos.indices { state.coreFreeAtNanos[core] = nowNanos }
            state.inboundStarts.removeAll()
        }
    }
}

extension NodeCPU.State {
    /// One draw of `term`, at the host's speed (`cpuScale`; at 1 the draw as it is, so a scenario without the key
    /// books exactly what it booked before the key existed).
    fileprivate mutating func draw(_ term: DurationDistribution) -> Int64 { draw(term, scale: cpuScale) }

    /// One draw of `term` multiplied by `scale` (`write_scale` for `per_write`).
    fileprivate mutating func draw(_ term: DurationDistribution, scale: Double) -> Int64 {
        let nanos = term.sampleNanos(using: &random)
        guard scale != 1 else { return nanos }
        return Int64((Double(nanos) * scale).rounded())
    }

    /// Runs a job of `cost` on the actor as soon as the actor is free (no earlier than `readyNanos`), on the core
    /// that frees up first: ahead of the writes queued there, or beside them at its share of the core when the
    /// node has event loops (`NodeCosts.eventLoops`); returns when it starts and ends.
    fileprivate mutating func bookActor(readyAt readyNanos: Int64, cost: Int64) -> (start: Int64, end: Int64) {
        let start = max(readyNanos, actorFreeAtNanos)
        let core = firstFreeCore
        // With event loops beside it, the actor's thread gets the share c / (c + e) of a core while writes are
        // queued there (processor sharing): it needs `cost` of CPU, the writers get e / c times as much in the
        // meantime, so its wall time grows by that much, or by the whole backlog if the backlog ends first
        // (then it runs alone). The core's total work is the same either way.
        let backlog = max(0, coreFreeAtNanos[core] - start)
        let stretch = eventLoops == 0 || backlog == 0 ? 0 : min(backlog, cost * Int64(eventLoops) / Int64(cores))
        coreFreeAtNanos[core] = max(coreFreeAtNanos[core], start) + cost
        actorFreeAtNanos = start + cost + stretch
        return (start, actorFreeAtNanos)
    }

    /// Runs a job of `cost` at `startNanos` on the core that frees up first, ahead of the writes queued there;
    /// returns `startNanos`. The event loops read between their writes, so a frame to decode does not wait for
    /// every queued write: it takes the core, and whatever is booked on that core next starts `cost` later.
    fileprivate mutating func takeCore(at startNanos: Int64, cost: Int64) -> Int64 {
        let chosen = firstFreeCore
        coreFreeAtNanos[chosen] = max(coreFreeAtNanos[chosen], startNanos) + cost
        return startNanos
    }

    /// Puts a job of `cost` on the core that frees up first (the lowest-numbered among equals); returns its start.
    fileprivate mutating func bookCore(readyAt readyNanos: Int64, cost: Int64) -> Int64 {
        let chosen = firstFreeCore
        let start = max(readyNanos, coreFreeAtNanos[chosen])
        coreFreeAtNanos[chosen] = start + cost
        return start
    }

    /// The core that frees up first (the lowest-numbered among equals).
    private var firstFreeCore: Int {
        var chosen = 0
        for core in coreFreeAtNanos.indices where coreFreeAtNanos[core] < coreFreeAtNanos[chosen] { chosen = core }
        return chosen
    }

    fileprivate mutating func noteInbound(startNanos: Int64, nowNanos: Int64) {
        dropStarted(nowNanos: nowNanos)
        if startNanos > nowNanos { inboundStarts.append(startNanos) }
    }

    fileprivate mutating func dropStarted(nowNanos: Int64) {
        while let first = inboundStarts.first, first <= nowNanos { inboundStarts.removeFirst() }
    }
}
