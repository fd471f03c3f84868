import NIOCore
import NIOWebSocket
import TandemLive
import TandemRuntime

/// One simulated collaborator whose whole life runs on its socket's event loop: every frame is read in the
/// channel handler (no task, stream or continuation per frame), only the fields the measurement needs are read
/// out of it (`FrameScan`), and its changes are sent by timers on the same loop. So a run of N clients costs the
/// load generator a few microseconds per delivery and its own queueing does not show up as server latency.
///
/// The same behaviour as `LoadClient` (which runs on HummingbirdWSClient and is kept for `--deflate`: this client
/// does not inflate): connect, join a record, wait at the start gate, then one whole-value change every
/// `interval` from `firstDelay` after the start (on a fixed schedule, so a late timer does not shift the next
/// ones), each based on the newest version seen, until `runFor` has passed; then stay 2 s for the last
/// deliveries and close with 1000.
final class LoopClient: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: every stored `var` is read and written on `loop` only — NIO calls the handler there, and every
    // timer and task this class starts is scheduled on that loop. The `let`s are Sendable.
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    enum Outcome: Sendable {
        /// No `connection_confirmed` within `ConfirmedConnection.confirmationTimeout` (connect again).
        case unconfirmed
        /// The session ran and ended; the server's close code, if a close frame came.
        case closed(Int?)
    }

    let plan: LoadPlan
    let loop: any EventLoop
    let gate: StartGate
    let statistics: LoadStatistics
    let clock: SystemClock
    /// Set once the client joined (or gave up), over all its connection attempts: it arrives at the gate once.
    let arrived: Flag
    private let done: EventLoopPromise<Outcome>

    private var channel: (any Channel)?
    private var confirmed = false
    private var finished = false
    private var version = 0
    private var sequence = 0
    private var closeCode: Int?
    private var fragments = WebSocketMessageAssembler()

    private init(plan: LoadPlan, loop: any EventLoop, gate: StartGate, statistics: LoadStatistics, clock: SystemClock,
                 arrived: Flag) {
        self.plan = plan
        self.loop = loop
        self.gate = gate
        self.statistics = statistics
        self.clock = clock
        self.arrived = arrived
        self.done = loop.makePromise(of: Outcome.self)
    }

    /// Runs one client to its end: up to `ConfirmedConnection.attemptsMax` connections while the server does not
    /// confirm one; a client that never joins still arrives at the gate (so the run does not wait for it).
    static func run(_ plan: LoadPlan, group: any EventLoopGroup, gate: StartGate, statistics: LoadStatistics,
                    clock: SystemClock) async {
        let arrived = Flag()
        let loop = group.next()
        for attempt in 1...ConfirmedConnection.attemptsMax {
            let client = LoopClient(plan: plan, loop: loop, gate: gate, statistics: statistics, clock: clock,
                                    arrived: arrived)
            do {
                _ = try await WebSocketDialer.open(
                    host: plan.host, port: plan.port, path: "/ws?token=\(plan.token)", group: loop
                ) { channel in
                    try channel.pipeline.syncOperations.addHandler(client)
                }
            } catch {
                statistics.error("connect: \(error)")
                break
            }
            switch try? await client.done.futureResult.get() {
            case .unconfirmed?:
                statistics.reconnected()
                if attempt == ConfirmedConnection.attemptsMax { statistics.error("no connection_confirmed") }
                continue
            case .closed(let code)?:
                if let code { statistics.closed(code) }
            case nil:
                break
            }
            break
        }
        if arrived.set() { await gate.arrive() }
    }

    // MARK: On the loop

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        self.channel = channel
        loop.scheduleTask(in: .nanoseconds(ConfirmedConnection.confirmationTimeout.nanosecondsClamped)) { [self] in
            guard !confirmed else { return }
            finish(.unconfirmed)
            channel.close(promise: nil)
        }
    }

    /// Completes the attempt once (a confirmation timeout and the socket's end may both report).
    private func finish(_ outcome: Outcome) {
        guard !finished else { return }
        finished = true
        done.succeed(outcome)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .continuation:
            guard let data = fragments.message(frame, allocator: context.channel.allocator) else { return }
            data.withUnsafeReadableBytes { handle(FrameScan($0), context: context) }
        case .ping:
            write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData), context)
        case .connectionClose:
            var data = frame.unmaskedData
            if closeCode == nil { closeCode = data.readInteger(as: UInt16.self).map(Int.init) }
            context.close(promise: nil)
        default:
            break
        }
    }

    private func handle(_ frame: FrameScan, context: ChannelHandlerContext) {
        let now = clock.nowNanos()
        switch frame.type {
        case .connectionConfirmed:
            guard !confirmed, !finished else { return }
            confirmed = true
            sendText(plan.joinFrame, context)
        case .joined:
            raise(frame.version)
            guard arrived.set() else { return }
            let gate = gate
            let loop = loop
            Task {
                await gate.arrive()
                let start = await gate.started()
                loop.execute { self.begin(at: start) }
            }
        case .ack:
            raise(frame.version)
            if let id = frame.changeID { statistics.received(client: id.client, sequence: id.sequence, ack: true, atNanos: now) }
        case .modelChanged:
            raise(frame.version)
            if let id = frame.changeID { statistics.received(client: id.client, sequence: id.sequence, ack: false, atNanos: now) }
        case .error:
            statistics.error(frame.errorCode ?? "error")
        case .other:
            break
        }
    }

    private func raise(_ seen: Int?) {
        if let seen, seen > version { version = seen }
    }

    /// The gate opened at `start`: the changes go out at `start + firstDelay + k × interval` until `runFor`.
    private func begin(at start: Int64) {
        let deadline = start + plan.runFor.nanosecondsClamped
        schedule(at: start + plan.firstDelay.nanosecondsClamped, deadline: deadline)
    }

    private func schedule(at due: Int64, deadline: Int64) {
        guard due < deadline else {
            // Stay connected while the last changes propagate, then close.
            loop.scheduleTask(in: .nanoseconds(max(0, deadline + 2_000_000_000 - clock.nowNanos()))) { [self] in
                hangUp()
            }
            return
        }
        loop.scheduleTask(in: .nanoseconds(max(0, due - clock.nowNanos()))) { [self] in
            sendChange()
            schedule(at: due + plan.interval.nanosecondsClamped, deadline: deadline)
        }
    }

    private func sendChange() {
        guard let channel, channel.isActive else { return }
        sequence += 1
        statistics.sent(client: plan.index, sequence: sequence, atNanos: clock.nowNanos())
        let text = plan.changeFrame(sequence: sequence, base: version)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(string: text))
        channel.writeAndFlush(frame, promise: nil)
    }

    private func hangUp() {
        guard let channel, channel.isActive else { return }
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
        // The server answers with its close frame and closes; if it does not within 5 s, close anyway.
        channel.writeAndFlush(frame, promise: nil)
        loop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
    }

    private func sendText(_ text: String, _ context: ChannelHandlerContext) {
        let data = context.channel.allocator.buffer(string: text)
        write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: data), context)
    }

    private func write(_ frame: WebSocketFrame, _ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(confirmed ? .closed(closeCode) : .unconfirmed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
