import DequeModule
import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario

/// The connection, for its own pipes' drains: they are made in `SimConnection.init`, before `self` can be captured.
///
/// Strong, not weak. An object anything holds weakly carries a side table, and every retain and release of it then
/// goes through that table: with the client's heartbeat timer and the node's world held weakly too, that cost about
/// 5 % of `scale-1000x10`'s wall time (2.7 M slow retains). The cycle this makes (connection → pipe → drain → this →
/// connection) ends when the pipe closes (`SimPipe.close` lets go of its drain), and both pipes of every connection
/// close before its world's run ends: the uplink when the node takes the client's close, closes or breaks the
/// connection, or it is shut down; the downlink when the client hangs up or shuts the connection down, and when it
/// delivers the node's close. A connection its client lets go of without either (it departed while connecting) is
/// shut down then, unless the node has taken it, and then it ends with the node: the node's close, its crash, or the
/// end of the run. `SimWorldLifetimeTests` checks that nothing of a world outlives its run.
///
/// A delivery the weak reference would have dropped finds the connection still here, and does nothing the weak one
/// did not: it can reach a connection nobody else holds only on a downlink its client let go of (`SimClient.receive`
/// ignores all but its current connection) or on an uplink the node never accepted (`SimNode.take` drops it).
///
/// Safe to share without a lock (hence `@unchecked Sendable`): `connection` is written once, in `SimConnection.init` on
/// the simulation thread, before the connection is handed to anyone — so before anything can travel on its pipes, whose
/// deliveries are the only readers — and read only on that thread afterwards. (Behind a lock, each delivery paid a
/// lock and a copy of the reference: 1 % of `scale-1000x10`'s instructions.)
final class ConnectionRef: @unchecked Sendable {
    var connection: SimConnection?
}

/// What travels from a client to its node on one connection.
enum Uplink: Sendable {
    case message(ClientMessage)
    /// The client closed the connection (the node sees the socket close).
    case close
}

/// What travels from a node to its client on one connection.
public enum Downlink: Sendable {
    case message(ServerMessage)
    /// A message of a fan-out, with the trace digest (`DeliveryDigest`) its sender computed once for every recipient.
    case shared(ServerMessage, digest: UInt64)
    /// The connection ended: the node closed it (with a close code) or it broke (1006).
    case closed(code: Int)
}

/// One simulated WebSocket between a client and a node: two in-order pipes with the client↔node latency.
///
/// It is the node's `ClientTransport` for that client, with the server's bounded write queue: each frame the
/// node sends costs `per_recipient` on the node actor, waits for this connection's writer (one frame at a
/// time), then costs `per_delivery` (and `per_write` when nothing else waits for the writer: it starts a write)
/// on a core before it leaves. A frame whose write has not started is in the
/// queue; a send that finds `write_queue_max` frames there fails, and the node closes the connection with
/// 1013, which discards the backlog (what is being written still arrives). Every field is immutable or `LoopLocal`,
/// and all of it is only touched on the simulation thread.
// Why `@unchecked Sendable` is safe: its only mutable state is `LoopLocal`, which simulated code alone touches, and
// simulated code runs only on the simulation's loop thread, one job or timer at a time (`SimExecutor`).
final class SimConnection: ClientTransport, ClientConnection, SimTimerTarget, @unchecked Sendable {
    /// This connection's writer: when its current write ends, and when each queued frame's write starts and
    /// what it costs.
    private struct Writer: Sendable {
        var freeAtNanos: Int64 = 0
        var queued = Deque<(startNanos: Int64, costNanos: Int64)>()
        /// In its node's list of connections that may have a write queue (`SimNode.writeQueueLongest`).
        var inBacklog = false

        mutating func dropStarted(nowNanos: Int64) {
            while let first = queued.first, first.startNanos <= nowNanos { queued.removeFirst() }
        }
    }

    /// The node's side of the uplink: frames arrive here from the pipe, and the node takes them one at a time, each
    /// once it is done with the one before (as the server's reader awaits the node per frame).
    private struct Inbox: Sendable {
        /// Arrived and not yet taken.
        var arrived = Deque<Uplink>()
        /// The node is on a frame of this connection: its turn on the actor, or the engine handling it on a task.
        var busy = false
        /// The frame whose turn on the actor ends at the pending timer (nil: that timer is to take the next frame).
        var inTurn: InboundFrame?
    }

    let serial: Int
    let client: Int
    let node: Int
    let network: SimNetwork
    let executor: SimExecutor
    /// The node this connection is to (it accepts or refuses the connection).
    private let simNode: SimNode
    let recorder: SimRecorder
    let cpu: NodeCPU
    let writeQueueMax: Int
    /// With `--wire`: frames travel as the bytes production sends.
    let wire: WireRoundTrip?
    /// The id the node gave this connection once it accepted it.
    @exclusivity(unchecked) var nodeConnectionID = LoopLocal<String?>(nil)
    @exclusivity(unchecked) private var writer = LoopLocal(Writer())
    @exclusivity(unchecked) private var inbox = LoopLocal(Inbox())
    let up: SimPipe<Uplink>
    let down: SimPipe<Downlink>

    init(serial: Int, client: SimClient, clientIndex: Int, node: Int, world: SimWorldContext) {
        self.serial = serial
        self.client = clientIndex
        self.node = node
        self.network = world.network
        self.executor = world.executor
        self.recorder = world.recorder
        self.simNode = world.nodes[node]
        self.cpu = world.nodes[node].cpu
        self.writeQueueMax = world.nodes[node].writeQueueMax
        self.wire = world.wire
        let me = ConnectionRef()
        up = SimPipe(executor: world.executor, onLoop: { uplink in me.connection?.arrived(uplink) })
        // The downlink pipe hands messages to the client from the simulator's loop (see SimPipe): that is the
        // client's isolation only when the client runs on the simulator's executor, as SimWorld makes them.
        precondition(client.loopExecutor === world.executor,
                     "a simulated client must run on its simulation's executor (ClientEnvironment.executor)")
        down = SimPipe(executor: world.executor, owner: client) { client, downlink in
            guard let connection = me.connection else { return }
            client.receive(downlink, on: connection)
            // Nothing after a close reaches the browser. (Its client has shut the connection down already if it was
            // still its own; one it let go of before the close is closed here.)
            if case .closed = downlink { connection.down.close() }
        }
        me.connection = self
    }

    // MARK: ClientTransport (called by the node)

    func send(_ message: ServerMessage) -> Bool {
        enqueue { .message(wire?.server(message) ?? message) }
    }

    /// One message of a fan-out: its trace digest is computed once for all recipients and travels with it (with
    /// `--wire` every recipient decodes its own copy, and digests what it decoded).
    func send(_ frame: SharedFrame) -> Bool {
        guard wire == nil else { return send(frame.message) }
        return enqueue { .shared(frame.message, digest: simNode.digest(of: frame)) }
    }

    /// Books the frame's write and queues it on the downlink; `downlink` is made only if the queue takes it.
    private func enqueue(_ downlink: () -> Downlink) -> Bool {
        guard !down.isClosed else { return true }
        let now = executor.nowNanos
        let (full, writerFreeAt, startsWrite) = writer.update { writer -> (Bool, Int64, Bool) in
            writer.dropStarted(nowNanos: now)
            return (writer.queued.count >= writeQueueMax, writer.freeAtNanos, writer.queued.isEmpty)
        }
        guard !full else { return false }
        let enqueued = cpu.serial(cpu.costs.perRecipient, readyAt: now)
        // Nothing waiting for this connection's writer: this frame starts a write (`per_write`); else it joins the
        // frames waiting, which the server writes with one `writev`.
        let write = cpu.write(startsWrite: startsWrite, readyAt: max(enqueued, writerFreeAt))
        let waits = write.start > now
        let joinsBacklog = writer.update { writer -> Bool in
            writer.freeAtNanos = write.end
            guard waits else { return false }
            writer.queued.append((write.start, write.end - write.start))
            defer { writer.inBacklog = true }
            return !writer.inBacklog
        }
        if waits { simNode.noteWaiting(self, joins: joinsBacklog, startsAtNanos: write.start) }
        down.send(downlink(), departAtNanos: write.end, queuedUntilNanos: write.start,
                  latencyNanos: network.latencyNanos(.clientNode))
        return true
    }

    /// Frames in this connection's write queue at `nowNanos` (now). At none, the connection leaves its node's backlog
    /// (its caller takes it off the list): the next frame that has to wait puts it back.
    func writeQueueCountLeavingBacklog(nowNanos now: Int64) -> Int {
        writer.update { writer in
            let count = writer.queued.reduce(0) { $0 + ($1.startNanos > now ? 1 : 0) }
            if count == 0 { writer.inBacklog = false }
            return count
        }
    }

    func close(code: Int, reason: String) {
        guard !down.isClosed else { return }
        let now = executor.nowNanos
        if code == 1013 {
            // As the server's transport does: the backlog is discarded (never encoded nor written, so its CPU
            // time is given back) and the close goes out at once.
            down.discardQueued(nowNanos: now)
            let discarded = writer.update { writer -> Int64 in
                writer.dropStarted(nowNanos: now)
                defer { writer.queued.removeAll() }
                return writer.queued.reduce(0) { $0 + $1.costNanos }
            }
            cpu.release(discarded, nowNanos: now)
        }
        down.send(.closed(code: code), nowNanos: now, latencyNanos: network.latencyNanos(.clientNode))
        closeUplink()
    }

    // MARK: Client side

    /// One client↔node latency, then the node accepts or refuses.
    func establish(as user: UserIdentity, for client: isolated SimClient) async -> Bool? {
        do {
            try await executor.sleep(for: .nanoseconds(network.latencyNanos(.clientNode)), isolation: client)
        } catch { return nil }
        guard client.isCurrent(self) else { return nil }
        return await simNode.accept(self, user: user)
    }

    func sendToNode(_ message: ClientMessage) {
        up.send(.message(wire?.client(message) ?? message), nowNanos: executor.nowNanos,
                latencyNanos: network.latencyNanos(.clientNode))
    }

    /// The client hangs up: the node learns of it after one link latency.
    func hangUp() {
        up.send(.close, nowNanos: executor.nowNanos, latencyNanos: network.latencyNanos(.clientNode))
        down.close()
    }

    /// The connection breaks (crash, partition): the client learns of it after one link latency; the node is
    /// not told (it finds out by heartbeat expiry, as with a real dead peer).
    func breakConnection() {
        guard !down.isClosed else { return }
        down.send(.closed(code: 1006), nowNanos: executor.nowNanos, latencyNanos: network.latencyNanos(.clientNode))
        closeUplink()
    }

    /// Stops both pipes at the end of a run.
    func shutDown() {
        closeUplink()
        down.close()
    }

    // MARK: Node side

    /// Stops the uplink: what is in flight or arrived and not yet taken is dropped (the frame the node is on is
    /// finished).
    func closeUplink() {
        up.close()
        inbox.update { $0.arrived.removeAll() }
    }

    /// A frame reaches the node (from the pipe, on the loop); the node takes it now unless it is on another.
    private func arrived(_ uplink: Uplink) {
        let idle = inbox.update { inbox -> Bool in
            inbox.arrived.append(uplink)
            return !inbox.busy
        }
        if idle { takeFrames() }
    }

    /// The node takes the frames that have arrived, one at a time, until one must wait: for its turn on the actor
    /// (a timer), or for the engine (a task). With no task and no job for a frame the engine handles without
    /// waiting (`ping`, `cursor`, leaving): one timer for its arrival, one for its turn. Runs on the loop, from a
    /// timer (``SimNode/handleOnLoop(_:)`` needs it).
    private func takeFrames() {
        while let uplink = inbox.update({ inbox -> Uplink? in
            guard let next = inbox.arrived.popFirst() else {
                inbox.busy = false
                return nil
            }
            inbox.busy = true
            return next
        }) {
            guard let frame = simNode.take(uplink, on: self) else { continue }
            if frame.turnEndsAtNanos > executor.nowNanos {
                inbox.update { $0.inTurn = frame }
                _ = executor.call(self, atNanos: frame.turnEndsAtNanos)
                return
            }
            guard handled(frame) else { return }
        }
    }

    /// The engine has `frame`: handled at once when it needs no wait (true); else on a task, which then has the loop
    /// take the next frame (false).
    private func handled(_ frame: InboundFrame) -> Bool {
        if simNode.handleOnLoop(frame) { return true }
        let node = simNode
        spawn { [self] in
            await node.handle(frame, on: self)
            _ = executor.call(self, atNanos: executor.nowNanos)
        }
        return false
    }

    /// The actor's turn on the frame ends (then the engine has it), or a frame the engine handled on a task is done:
    /// the node takes the next.
    func timerFired() {
        executor.probe()
        if let frame = inbox.update({ inbox -> InboundFrame? in
            defer { inbox.inTurn = nil }
            return inbox.inTurn
        }) {
            guard handled(frame) else { return }
        }
        takeFrames()
    }
}
