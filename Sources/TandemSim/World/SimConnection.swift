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
enum Downlink: Sendable {
    case message(ServerMessage)
    /// The connection ended: the node closed it (with a close code) or it broke (1006).
    case closed(code: Int)
}

/// One simulated WebSocket between a client and a node: two in-order pipes with the client↔node latency.
///
/// It is the node's `ClientTransport` for that client. Every field is immutable or behind a lock, and all
/// of it is only touched on the simulation thread.
final class SimConnection: ClientTransport, Sendable {
    let serial: Int
    let client: Int
    let node: Int
    let network: SimNetwork
    let executor: SimExecutor
    let recorder: SimRecorder
    /// The id the node gave this connection once it accepted it.
    let nodeConnectionID = LockedValue<String?>(nil)
    private let inFlight = LockedValue(0)
    static let outboundInFlightMax = 50_000
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
        let me = LockedValue(WeakConnection())
        let inFlight = self.inFlight
        up = SimPipe(executor: world.executor) { uplink in
            guard let connection = me.value.connection else { return }
            await toNode(connection, uplink)
        }
        down = SimPipe(executor: world.executor, owner: client) { client, downlink in
            if case .message = downlink { inFlight.update { $0 -= 1 } }
            guard let connection = me.value.connection else { return }
            client.receive(downlink, on: connection)
        }
        me.value = WeakConnection(connection: self)
    }

    // MARK: ClientTransport (called by the node)

    func send(_ message: ServerMessage) -> Bool {
        guard !down.isClosed else { return true }
        let count = inFlight.update { count -> Int in
            count += 1
            return count
        }
        guard count <= Self.outboundInFlightMax else { return false }
        down.send(.message(message), nowNanos: executor.nowNanos, latencyNanos: network.latencyNanos(.clientNode))
        return true
    }

    func close(code: Int, reason: String) {
        guard !down.isClosed else { return }
        down.send(.closed(code: code), nowNanos: executor.nowNanos, latencyNanos: network.latencyNanos(.clientNode))
        up.close()
    }

    // MARK: Client side

    func sendToNode(_ message: ClientMessage) {
        up.send(.message(message), nowNanos: executor.nowNanos, latencyNanos: network.latencyNanos(.clientNode))
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
