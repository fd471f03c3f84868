import DequeModule
import NIOCore
import NIOPosix
import Synchronization
import TandemRuntime
import TandemScenario

/// A fault-injecting TCP proxy, in the manner of Toxiproxy, for live runs on a kernel without `netem`: it
/// listens on a loopback port and forwards each connection to one upstream address, adding per direction the
/// scenario's link latency, latency spikes and loss (as TCP retransmission delay), and cutting the link for a
/// partition.
///
/// - Delays are drawn from `LinkSettings.oneWayDelay`, the simulator's own function, from one seeded stream
///   per direction: the same seed gives the same sequence of delays (`drawLog` shows it). Bytes keep their
///   order: a chunk is never written before an earlier one of the same connection and direction.
/// - A partition either **resets** (open connections get a TCP RST, new ones are reset at once: what the
///   simulator does, so clients and Redis reconnect) or **holds** (bytes wait in the proxy until it heals,
///   then flow in order: a cable unplugged and plugged back before TCP gave up).
/// - Each connection's two channels live on one event loop, so its queues need no lock.
public final class FaultProxy: Sendable {
    /// `upstream` carries bytes from the client to the server, `downstream` the replies.
    public enum Direction: String, Sendable, CaseIterable {
        case upstream
        case downstream
    }

    /// What the proxy does with traffic right now.
    public enum Mode: String, Sendable, Equatable {
        case pass
        /// Partitioned, holding bytes until healed.
        case hold
        /// Partitioned, resetting every connection.
        case reset
        /// Partitioned as a dead network path: each client's socket is reset (the client sees the break at once)
        /// while the server's is left open and silent, so the server learns of it only by its own heartbeat
        /// timeout; new connections are reset. Healing resets what the server still holds, as its next write
        /// to a vanished client would be.
        case sever
    }

    /// A direction's link model and its random stream.
    private struct Toxics {
        var link: LinkSettings
        var spike: Duration?
        var extraLoss: Double?
        var random: SplitMix64
        /// The last `drawLogMax` draws, oldest first.
        var log: Deque<Duration> = []

        mutating func draw(logMax: Int) -> Duration {
            let delay = link.oneWayDelay(spike: spike, extraLoss: extraLoss, using: &random)
            log.append(delay)
            while log.count > logMax { log.removeFirst() }
            return delay
        }
    }

    private struct State {
        var upstream: Toxics
        var downstream: Toxics

        subscript(direction: Direction) -> Toxics { direction == .upstream ? upstream : downstream }

        /// Changes `direction`'s toxics in place.
        mutating func change<R>(_ direction: Direction, _ body: (inout Toxics) -> R) -> R {
            switch direction {
            case .upstream: body(&upstream)
            case .downstream: body(&downstream)
            }
        }

        var mode: Mode = .pass
        var connections: [ObjectIdentifier: ProxiedConnection] = [:]
        var serverChannel: (any Channel)?
        var accepted = 0
        var resets = 0
    }

    /// A name for errors and logs (`clients→node-1`).
    public let name: String
    public let upstreamHost: String
    public let upstreamPort: Int
    /// Draws kept per direction for `drawLog` (the oldest are dropped past it).
    public let drawLogMax: Int
    private let group: any EventLoopGroup
    private let state: Mutex<State>

    /// A proxy to `upstreamHost:upstreamPort` whose directions start with `link` (no delay: `.immediate`).
    public init(
        name: String,
        upstreamHost: String = "127.0.0.1",
        upstreamPort: Int,
        link: LinkSettings = .immediate,
        seed: UInt64,
        drawLogMax: Int = 10_000,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.name = name
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        self.drawLogMax = drawLogMax
        self.group = group
        // Streams 1 and 2, in `Direction.allCases` order.
        self.state = Mutex(State(
            upstream: Toxics(link: link, random: SplitMix64.derive(seed: seed, stream: 1)),
            downstream: Toxics(link: link, random: SplitMix64.derive(seed: seed, stream: 2))
        ))
    }

    // MARK: Control

    /// Starts listening on `host:port` (0: a free port) and returns the bound port.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
            .bind(host: host, port: port)
            .get()
        state.withLock { $0.serverChannel = channel }
        guard let bound = channel.localAddress?.port else {
            throw FaultProxyError("\(name): the listener on \(host):\(port) has no port")
        }
        return bound
    }

    /// Closes the listener and every connection.
    public func stop() async {
        let (server, connections) = state.withLock { state in
            let result = (state.serverChannel, Array(state.connections.values))
            state.serverChannel = nil
            state.connections = [:]
            return result
        }
        try? await server?.close()
        for connection in connections { connection.close(reset: false) }
    }

    /// Sets a direction's link (both when `direction` is nil): latency and loss.
    public func setLink(_ link: LinkSettings, direction: Direction? = nil) {
        update(direction) { $0.link = link }
    }

    /// Adds `spike` to every delay (nil removes it).
    public func setSpike(_ spike: Duration?, direction: Direction? = nil) {
        update(direction) { $0.spike = spike }
    }

    /// Adds `rate` to the link's loss (nil removes it).
    public func setExtraLoss(_ rate: Double?, direction: Direction? = nil) {
        update(direction) { $0.extraLoss = rate }
    }

    /// Partitions (`.hold`, `.reset`) or heals (`.pass`) the link.
    public func setMode(_ mode: Mode) {
        let connections = state.withLock { state -> [ProxiedConnection] in
            state.mode = mode
            if mode == .reset { state.resets += state.connections.count }
            return Array(state.connections.values)
        }
        for connection in connections {
            switch mode {
            case .reset: connection.close(reset: true)
            case .sever: _ = connection.sever(resettingClient: true)
            case .pass: connection.resume()
            case .hold: break
            }
        }
    }

    /// Severs the one connection whose client uses local port `clientPort`: a single browser's network dies. Unlike
    /// `.sever` for every connection, the client's socket is left to the caller, who resets it (the client must learn
    /// of its fault before it sees the break, or it would reconnect on its own). Returns false when no such
    /// connection is open.
    ///
    /// Returns once the proxy has severed it, so the caller may then reset the client's socket: a reset that reached
    /// the proxy first would be passed on to the server as the client's close (the node would see the user leave at
    /// once instead of by heartbeat expiry — a race a live `disconnect` lost for some of its clients in some runs).
    @discardableResult
    public func sever(clientPort: Int) async -> Bool {
        let connection = state.withLock { state in
            state.connections.values.first { $0.client.remoteAddress?.port == clientPort }
        }
        guard let connection else { return false }
        try? await connection.sever(resettingClient: false).get()
        return true
    }

    public var mode: Mode { state.withLock { $0.mode } }

    /// Connections open through the proxy now.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Connections accepted, and connections reset by a partition, since the start.
    public var counts: (accepted: Int, resets: Int) { state.withLock { ($0.accepted, $0.resets) } }

    /// The delays drawn for `direction`, oldest first (at most `drawLogMax`).
    public func drawLog(_ direction: Direction) -> [Duration] { state.withLock { Array($0[direction].log) } }

    private func update(_ direction: Direction?, _ change: (inout Toxics) -> Void) {
        state.withLock { state in
            for each in direction.map({ [$0] }) ?? Direction.allCases { state.change(each, change) }
        }
    }

    // MARK: Data path

    /// The delay for the next chunk in `direction`.
    /// In place, in O(1): this runs for every chunk either way. (It copied the direction's state out of a
    /// dictionary and back, so appending to the log copied all 10,000 draws, and trimming it moved them: about
    /// 40 µs of CPU per chunk, which made the proxy the slowest part of a live fan-out.)
    fileprivate func draw(_ direction: Direction) -> Duration {
        state.withLock { state in
            state.change(direction) { $0.draw(logMax: drawLogMax) }
        }
    }

    fileprivate var isHolding: Bool { state.withLock { $0.mode == .hold } }

    fileprivate func forget(_ connection: ProxiedConnection) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// A new client: reset at once while partitioned with `.reset`, else connected to the upstream.
    private func accept(_ client: any Channel) throws {
        let resetting = state.withLock { state -> Bool in
            state.accepted += 1
            let refused = state.mode == .reset || state.mode == .sever
            if refused { state.resets += 1 }
            return refused
        }
        if resetting {
            resetAndClose(client)
            return
        }
        let connection = ProxiedConnection(proxy: self, client: client)
        state.withLock { $0.connections[ObjectIdentifier(connection)] = connection }
        // What the client sends before the upstream is connected waits in the connection's queue.
        try client.pipeline.syncOperations.addHandler(ForwardHandler(connection: connection, direction: .upstream))
        ClientBootstrap(group: client.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { server in
                server.eventLoop.makeCompletedFuture {
                    try server.pipeline.syncOperations.addHandler(
                        ForwardHandler(connection: connection, direction: .downstream)
                    )
                }
            }
            .connect(host: upstreamHost, port: upstreamPort)
            .whenComplete { result in
                switch result {
                case .success(let server): connection.connected(server)
                case .failure: connection.close(reset: true)
                }
            }
    }
}

/// Why the proxy could not start.
public struct FaultProxyError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension LinkSettings {
    /// No added latency and no loss.
    public static var immediate: LinkSettings { LinkSettings(latency: .fixed(.zero)) }
}

/// One proxied TCP connection: the client's channel, the upstream's, and a timed queue per direction.
///
/// `@unchecked Sendable`: every mutable field is touched only on `eventLoop` (each entry point hops onto it
/// or asserts it), the event loop both channels were created on; the proxy only keeps a reference.
private final class ProxiedConnection: @unchecked Sendable {
    struct Chunk {
        var deliverAt: NIODeadline
        var bytes: ByteBuffer
    }

    struct Queue {
        var chunks: Deque<Chunk> = []
        var lastDeliverAt = NIODeadline.uptimeNanoseconds(0)
        var drainScheduled = false
        /// The sending side closed: close the receiving side once the queue is empty.
        var closeWhenEmpty = false
    }

    let proxy: FaultProxy
    let eventLoop: any EventLoop
    let client: any Channel
    var server: (any Channel)?
    /// Mutated in place (`withQueue`): a copy out and back would copy the chunks on every append.
    var upstream = Queue()
    var downstream = Queue()
    var closed = false
    /// The client's side is gone and the server's is held open and silent (`FaultProxy.Mode.sever`).
    var severed = false

    init(proxy: FaultProxy, client: any Channel) {
        self.proxy = proxy
        self.client = client
        self.eventLoop = client.eventLoop
    }

    func connected(_ server: any Channel) {
        eventLoop.preconditionInEventLoop()
        guard !closed else {
            server.close(promise: nil)
            return
        }
        self.server = server
        drain(.upstream)
    }

    /// Bytes read from the side that sends in `direction`.
    func received(_ bytes: ByteBuffer, _ direction: FaultProxy.Direction) {
        eventLoop.preconditionInEventLoop()
        guard !severed else { return }  // into a dead network
        let delay = proxy.draw(direction)
        withQueue(direction) { queue in
            let deliverAt = max(queue.lastDeliverAt, .now() + .nanoseconds(delay.nanosecondsClamped))
            queue.lastDeliverAt = deliverAt
            queue.chunks.append(Chunk(deliverAt: deliverAt, bytes: bytes))
        }
        drain(direction)
    }

    private func withQueue<R>(_ direction: FaultProxy.Direction, _ body: (inout Queue) -> R) -> R {
        switch direction {
        case .upstream: body(&upstream)
        case .downstream: body(&downstream)
        }
    }

    /// The side that sends in `direction` closed.
    func sideClosed(_ direction: FaultProxy.Direction) {
        eventLoop.preconditionInEventLoop()
        if severed {
            // The client's reset stays with the proxy; the server closing its side ends the connection.
            if direction == .downstream { close(reset: false) }
            return
        }
        withQueue(direction) { $0.closeWhenEmpty = true }
        drain(direction)
    }

    /// The side that sends in `direction` failed (a reset): passed on as a reset of the other side, except a severed
    /// client's, which stays with the proxy (the server hears nothing, as when a network dies).
    func sideFailed(_ direction: FaultProxy.Direction) {
        eventLoop.preconditionInEventLoop()
        if severed && direction == .upstream {
            resetAndClose(client)
            return
        }
        close(reset: true)
    }

    /// Writes what is due in `direction`, and schedules itself for the next chunk.
    func drain(_ direction: FaultProxy.Direction) {
        eventLoop.preconditionInEventLoop()
        guard !closed, let target = direction == .upstream ? server : client else { return }
        guard !proxy.isHolding else { return }
        let now = NIODeadline.now()
        // Taken out of the queue first, written after: a write can call back into this connection (a failed
        // write closes a channel), which must not find its queue in the middle of an access.
        let (due, next, closeNow): ([ByteBuffer], NIODeadline?, Bool) = withQueue(direction) { queue in
            var due: [ByteBuffer] = []
            while let first = queue.chunks.first, first.deliverAt <= now { due.append(queue.chunks.removeFirst().bytes) }
            var next: NIODeadline?
            if let first = queue.chunks.first, !queue.drainScheduled {
                queue.drainScheduled = true
                next = first.deliverAt
            }
            return (due, next, queue.chunks.isEmpty && queue.closeWhenEmpty)
        }
        for bytes in due { target.write(bytes, promise: nil) }
        if !due.isEmpty { target.flush() }
        if let next {
            eventLoop.scheduleTask(deadline: next) { [self] in
                withQueue(direction) { $0.drainScheduled = false }
                drain(direction)
            }
        }
        if closeNow { close(reset: false) }
    }

    /// Healed after a hold: everything due flows again, in order. A severed connection's server side is reset.
    func resume() {
        eventLoop.execute { [self] in
            if severed {
                close(reset: true)
                return
            }
            drain(.upstream)
            drain(.downstream)
        }
    }

    /// The network path dies: nothing more passes either way, the server's side is kept open and hears nothing more,
    /// and the client's socket is reset (unless `resettingClient` is false: the caller resets it). Succeeds once done,
    /// on the connection's loop.
    func sever(resettingClient: Bool) -> EventLoopFuture<Void> {
        eventLoop.submit { [self] in
            guard !closed, !severed else { return }
            severed = true
            upstream = Queue()
            downstream = Queue()
            if resettingClient { resetAndClose(client) }
            if server == nil { close(reset: true) }  // still connecting upstream: nothing to hold
        }
    }

    /// Closes both sides, with a TCP RST when `reset`.
    func close(reset: Bool) {
        eventLoop.execute { [self] in
            guard !closed else { return }
            closed = true
            for channel in [client, server].compactMap({ $0 }) {
                if reset { resetAndClose(channel) } else { channel.close(promise: nil) }
            }
            proxy.forget(self)
        }
    }

}

/// SO_LINGER 0, then close: the kernel answers with RST instead of FIN.
func resetAndClose(_ channel: any Channel) {
    guard let options = channel as? any SocketOptionProvider else {
        channel.close(promise: nil)
        return
    }
    options.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
}

/// Reads one side of a proxied connection into the connection's queue for the other side.
private final class ForwardHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let connection: ProxiedConnection
    let direction: FaultProxy.Direction

    init(connection: ProxiedConnection, direction: FaultProxy.Direction) {
        self.connection = connection
        self.direction = direction
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.received(unwrapInboundIn(data), direction)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.sideClosed(direction)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.sideFailed(direction)
    }
}
