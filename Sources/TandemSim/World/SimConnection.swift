import DequeModule
import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario

/// A weak reference to a connection, so its own pipes do not keep it alive.
struct WeakConnection: Sendable {
    weak var connection: SimConnection?
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
/// 1013, which discards the backlog (what is being written still arrives). Every field is immutable or behind
/// a lock, and all of it is only touched on the simulation thread.
final class SimConnection: ClientTransport, ClientConnection, Sendable {
    /// This connection's writer: when its current write ends, and when each queued frame's write starts and
    /// what it costs.
    private struct Writer: Sendable {
        var freeAtNanos: Int64 = 0
        var queued = Deque<(startNanos: Int64, costNanos: Int64)>()

        mutating func dropStarted(nowNanos: Int64) {
            while let first = queued.first, first.startNanos <= nowNanos { queued.removeFirst() }
        }
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
    let nodeConnectionID = LockedValue<String?>(nil)
    private let writer = LockedValue(Writer())
    let up: SimPipe<Uplink>
    let down: SimPipe<Downlink>

    init(
        serial: Int, client: SimClient, clientIndex: Int, node: Int, world: SimWorldContext,
        toNode: @escaping @Sendable (SimConnection, Uplink) async -> Void
    ) {
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
        let me = LockedValue(WeakConnection())
        up = SimPipe(executor: world.executor) { uplink in
            guard let connection = me.value.connection else { return }
            await toNode(connection, uplink)
        }
        // The downlink pipe hands messages to the client from the simulator's loop (see SimPipe): that is the
        // client's isolation only when the client runs on the simulator's executor, as SimWorld makes them.
        precondition((client.environment.executor as? SimExecutor) === world.executor,
                     "a simulated client must run on its simulation's executor (ClientEnvironment.executor)")
        down = SimPipe(executor: world.executor, owner: client) { client, downlink in
            guard let connection = me.value.connection else { return }
            client.receive(downlink, on: connection)
        }
        me.value = WeakConnection(connection: self)
    }

    // MARK: ClientTransport (called by the node)

    func send(_ message: ServerMessage) -> Bool {
        enqueue { .message(wire?.server(message) ?? message) }
    }

    /// One message of a fan-out: its trace digest is computed once for all recipients and travels with it (with
    /// `--wire` every recipient decodes its own copy, and digests what it decoded).
    func send(_ frame: SharedFrame) -> Bool {
        guard wire == nil else { return send(frame.message) }
        return enqueue { .shared(frame.message, digest: frame.encoded(DeliveryDigest.of)) }
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
        writer.update { writer in
            writer.freeAtNanos = write.end
            if write.start > now { writer.queued.append((write.start, write.end - write.start)) }
        }
        down.send(downlink(), departAtNanos: write.end, queuedUntilNanos: write.start,
                  latencyNanos: network.latencyNanos(.clientNode))
        return true
    }

    /// Frames in this connection's write queue now.
    var writeQueueCount: Int {
        let now = executor.nowNanos
        return writer.value.queued.reduce(0) { $0 + ($1.startNanos > now ? 1 : 0) }
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
        up.close()
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
        up.close()
    }

    /// Stops both pipes at the end of a run.
    func shutDown() {
        up.close()
        down.close()
    }
}
