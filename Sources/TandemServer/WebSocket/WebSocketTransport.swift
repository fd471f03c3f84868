import DequeModule
import NIOCore
import NIOWebSocket
import Synchronization
import TandemCore
import TandemEngine

/// The node's `ClientTransport` for one WebSocket: a bounded outbound queue the node fills synchronously and
/// that is drained onto the socket.
///
/// With a `ChannelWriter` (the server's `/ws`), frames go to the socket's event loop directly: the first frame
/// queued asks the loop's `LoopDrains` for a drain (one task per loop per fan-out), which writes every frame
/// queued by then and flushes once — no task, actor, continuation or promise per frame. The drain follows the
/// channel's writability, as a NIO handler does: while the socket's outbound buffer is past its high-water mark
/// (the peer is not reading) the frames stay in the queue, and the channel becoming writable again drains them.
/// So a peer that stops reading fills the queue and is closed with 1013 as before, and the limit counts exactly
/// the frames the socket could not take. Without one (tests, other framings), a writer task takes the frames
/// with `next()`.
///
/// Unlike `AsyncStream`'s `bufferingNewest`, which silently drops old frames, a full queue makes `send`
/// return false: the node then closes the connection with 1013 (slow consumer) and the client resyncs, so
/// no client ever misses a version without knowing. A close request is delivered after the queued frames
/// (1001 on shutdown flushes pending acks), except after an overflow, when the backlog is discarded.
///
/// The queue holds `SharedFrame`s: a fan-out puts the same frame in every recipient's queue and the writers
/// encode it once between them (`SharedFrame.encoded`); a message for this connection alone gets a frame of
/// its own.
public final class WebSocketTransport: ClientTransport, Sendable {
    /// What the writer takes next.
    public enum Item: Sendable, Equatable {
        case frame(SharedFrame)
        case close(code: Int, reason: String)
    }

    /// Where a transport writes by itself: a WebSocket channel, and a frame's WebSocket frame (built on the
    /// frame's shared encoding, so that every recipient writes the same payload buffer; compressed when the
    /// connection negotiated deflate, since these writes pass by the outbound writer's extensions).
    public struct ChannelWriter: Sendable {
        public let channel: any Channel
        public let encode: @Sendable (SharedFrame) -> WebSocketFrame
        /// The drains of the channel's event loop: a fan-out to many sockets on one loop wakes it once.
        let drains: LoopDrains
        /// Where the frames enter the pipeline: just above the WebSocket frame encoder when installed, else the
        /// channel's tail.
        let tap: FrameTap?

        /// `drains` must be the one of `channel.eventLoop` (`LoopDrains.Registry.drains(for:)`); without one the
        /// transport gets its own. `tap`: `FrameTap.install(in:)` on this channel.
        public init(channel: any Channel, drains: LoopDrains? = nil, tap: FrameTap? = nil,
                    encode: @escaping @Sendable (SharedFrame) -> WebSocketFrame) {
            precondition(drains.map { $0.loop === channel.eventLoop } ?? true, "the drains of another event loop")
            self.channel = channel
            self.drains = drains ?? LoopDrains(channel.eventLoop)
            self.tap = tap
            self.encode = encode
        }
    }

    private struct State: Sendable {
        var queue: Deque<SharedFrame> = []
        /// A drain is scheduled on the channel's event loop (only with a `ChannelWriter`).
        var drainScheduled = false
        /// The last drain found the channel unwritable: the next one comes when it is writable again (only with a
        /// `ChannelWriter`).
        var awaitingWritability = false
        var closeRequest: (code: Int, reason: String)?
        var closeDelivered = false
        var finished = false
        var waiter: CheckedContinuation<Item?, Never>?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        /// Run once, in a task of its own, when a close is requested (`whenCloseRequested`).
        var closeHandler: (@Sendable (_ code: Int, _ reason: String) async -> Void)?
        /// The task running `closeHandler`, cancelled when the transport finishes.
        var closeTask: Task<Void, Never>?
    }

    public let capacity: Int
    /// Writes frames to the socket's event loop itself when set; else a writer task calls `next()`.
    public let writer: ChannelWriter?
    /// Where the drains write, and what tells the transport the channel is writable again: the writer's tap, or
    /// one added at the pipeline's tail.
    private let tap: FrameTap?
    private let state = Mutex(State())

    public init(capacity: Int, writer: ChannelWriter? = nil) {
        precondition(capacity > 0, "outbound queue capacity must be positive")
        self.capacity = capacity
        self.writer = writer
        self.tap = writer.map { $0.tap ?? FrameTap() }
        if let writer, let tap {
            let added = writer.tap == nil
            // Before any drain: drains are scheduled on the same loop, after this.
            writer.channel.eventLoop.execute { [weak self] in
                if added { try? writer.channel.pipeline.syncOperations.addHandler(tap) }
                tap.transport = self
            }
        }
    }

    /// Enqueues a message for this connection alone; false when the queue already holds `capacity` frames.
    public func send(_ message: ServerMessage) -> Bool {
        send(SharedFrame(message))
    }

    /// Enqueues a frame (possibly shared with other connections); false when the queue is full.
    public func send(_ frame: SharedFrame) -> Bool {
        if let writer { return send(frame, to: writer) }
        let (accepted, waiter): (Bool, CheckedContinuation<Item?, Never>?) = state.withLock { state in
            if state.finished || state.closeRequest != nil { return (true, nil) }  // closing: the frame is moot
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            guard state.queue.count < capacity else { return (false, nil) }
            state.queue.append(frame)
            return (true, nil)
        }
        waiter?.resume(returning: .frame(frame))
        return accepted
    }

    private func send(_ frame: SharedFrame, to writer: ChannelWriter) -> Bool {
        let (accepted, schedule): (Bool, Bool) = state.withLock { state in
            if state.finished || state.closeRequest != nil { return (true, false) }  // closing: the frame is moot
            guard state.queue.count < capacity else { return (false, false) }
            state.queue.append(frame)
            guard !state.drainScheduled, !state.awaitingWritability else { return (true, false) }
            state.drainScheduled = true
            return (true, true)
        }
        if schedule { writer.drains.schedule(self) }
        return accepted
    }

    /// On the channel's event loop, from its `LoopDrains`.
    fileprivate func drainScheduled() {
        if let writer { drain(writer, force: false) }
    }

    /// On the channel's event loop, from its `FrameTap`: the socket takes frames again.
    fileprivate func channelWritable() {
        guard let writer, state.withLock({ $0.awaitingWritability }) else { return }
        drain(writer, force: false)
    }

    /// On the channel's event loop: writes every queued frame in order and flushes once; while the channel is not
    /// writable (unless `force`, for a close), leaves them queued until it is.
    private func drain(_ writer: ChannelWriter, force: Bool) {
        let writable = force || writer.channel.isWritable
        let batch: Deque<SharedFrame> = state.withLock { state in
            state.drainScheduled = false
            if state.finished {  // the connection is over: nothing more goes out
                state.queue.removeAll()
                return []
            }
            state.awaitingWritability = !writable
            guard writable else { return [] }
            defer { state.queue.removeAll(keepingCapacity: true) }
            return state.queue
        }
        guard !batch.isEmpty else { return }
        if let context = tap?.context {
            for frame in batch { context.write(NIOAny(writer.encode(frame)), promise: nil) }
            context.flush()
        } else {
            for frame in batch { writer.channel.write(writer.encode(frame), promise: nil) }
            writer.channel.flush()
        }
    }

    /// With a `ChannelWriter`: returns once every frame queued before a close was requested has been handed to
    /// the channel, so a close frame written after this goes out after them.
    public func handOverQueued() async {
        guard let writer else { return }
        try? await writer.channel.eventLoop.submit { self.drain(writer, force: true) }.get()
    }

    /// Asks the writer to close the socket with `code` once the queued frames are out (at once for 1013).
    public func close(code: Int, reason: String) {
        let (waiter, closeWaiters, handler):
            (CheckedContinuation<Item?, Never>?, [CheckedContinuation<Void, Never>], (@Sendable (Int, String) async -> Void)?) =
            state.withLock { state in
                guard state.closeRequest == nil, !state.finished else { return (nil, [], nil) }
                state.closeRequest = (code, reason)
                if code == 1013 { state.queue.removeAll() }
                let closeWaiters = state.closeWaiters
                state.closeWaiters.removeAll()
                let handler = state.closeHandler
                state.closeHandler = nil
                if handler != nil { state.closeDelivered = true }
                guard let waiter = state.waiter else { return (nil, closeWaiters, handler) }
                state.waiter = nil
                state.closeDelivered = true
                return (waiter, closeWaiters, handler)
            }
        waiter?.resume(returning: .close(code: code, reason: reason))
        for closeWaiter in closeWaiters { closeWaiter.resume() }
        if let handler { runCloseHandler(handler, code: code, reason: reason) }
    }

    /// With a `ChannelWriter`, instead of a writer task waiting for `next()`: once a close is requested (at once if
    /// one already was), `handler` runs in a task of its own with the close's code and reason, after the frames
    /// queued before it were handed to the channel. `finish()` cancels that task. So an idle socket keeps no
    /// writer task (its async frames are memory on every open connection); the rare close pays for one.
    public func whenCloseRequested(_ handler: @escaping @Sendable (_ code: Int, _ reason: String) async -> Void) {
        precondition(writer != nil, "whenCloseRequested needs a ChannelWriter: without one a writer task calls next()")
        let request: (code: Int, reason: String)? = state.withLock { state in
            if state.finished || state.closeDelivered { return nil }
            guard let request = state.closeRequest else {
                precondition(state.closeHandler == nil, "two close handlers on one WebSocketTransport")
                state.closeHandler = handler
                return nil
            }
            state.closeDelivered = true
            return request
        }
        if let request { runCloseHandler(handler, code: request.code, reason: request.reason) }
    }

    private func runCloseHandler(
        _ handler: @escaping @Sendable (Int, String) async -> Void, code: Int, reason: String
    ) {
        let task = Task {
            await self.handOverQueued()
            await handler(code, reason)
        }
        let finished = state.withLock { state in
            if !state.finished { state.closeTask = task }
            return state.finished
        }
        if finished { task.cancel() }
    }

    /// The next frame or close request; nil once the transport is finished (or the close was delivered).
    /// With a `ChannelWriter` the frames go out by themselves: this returns the close request once it is made
    /// and the frames queued before it are with the channel, or nil when the transport finishes.
    public func next() async -> Item? {
        if writer != nil {
            await closeRequested()
            let request: (code: Int, reason: String)? = state.withLock { state in
                guard let request = state.closeRequest, !state.closeDelivered, !state.finished else { return nil }
                state.closeDelivered = true
                return request
            }
            guard let request else { return nil }
            await handOverQueued()
            return .close(code: request.code, reason: request.reason)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                let item: Item?? = state.withLock { state in
                    if let frame = state.queue.popFirst() { return .some(.frame(frame)) }
                    if let request = state.closeRequest, !state.closeDelivered {
                        state.closeDelivered = true
                        return .some(.close(code: request.code, reason: request.reason))
                    }
                    if state.finished || state.closeDelivered { return .some(nil) }
                    precondition(state.waiter == nil, "two writers on one WebSocketTransport")
                    state.waiter = continuation
                    return nil
                }
                if let item { continuation.resume(returning: item) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Stops the transport: the writer's `next` returns nil and later frames are dropped.
    public func finish() {
        let (waiter, closeWaiters, closeTask) = state.withLock { state in
            state.finished = true
            let waiter = state.waiter
            state.waiter = nil
            let closeWaiters = state.closeWaiters
            state.closeWaiters.removeAll()
            state.closeHandler = nil
            defer { state.closeTask = nil }
            return (waiter, closeWaiters, state.closeTask)
        }
        waiter?.resume(returning: nil)
        for closeWaiter in closeWaiters { closeWaiter.resume() }
        closeTask?.cancel()
    }

    /// Returns once a close was requested or the transport finished (or the task is cancelled).
    public func closeRequested() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.closeRequest != nil || state.finished { return true }
                    state.closeWaiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            finish()
        }
    }

    /// Frames waiting to be handed to the socket (with a `ChannelWriter`: those it could not take yet).
    public var queuedCount: Int { state.withLock { $0.queue.count } }
}

/// The pending drains of one event loop. The node fans a change out to every socket of a session in one go; each
/// socket with a new frame asks for a drain, and the first of them since the loop last ran its drains schedules
/// one task there, which drains them all in the order they asked. So a fan-out wakes each event loop once, not
/// once per recipient (a closure, a queue entry and possibly a wake-up each), as the bare NIO broadcast does.
public final class LoopDrains: Sendable {
    let loop: any EventLoop
    private let pending = Mutex<(transports: [WebSocketTransport], scheduled: Bool)>(([], false))

    init(_ loop: any EventLoop) { self.loop = loop }

    func schedule(_ transport: WebSocketTransport) {
        let first = pending.withLock { pending in
            pending.transports.append(transport)
            guard !pending.scheduled else { return false }
            pending.scheduled = true
            return true
        }
        if first { loop.execute { self.run() } }
    }

    private func run() {
        let batch = pending.withLock { pending in
            pending.scheduled = false
            defer { pending.transports.removeAll(keepingCapacity: true) }
            return pending.transports
        }
        for transport in batch { transport.drainScheduled() }
    }

    /// One `LoopDrains` per event loop of a server (held by its `ServerContext`).
    public final class Registry: Sendable {
        private let byLoop = Mutex<[ObjectIdentifier: LoopDrains]>([:])

        public init() {}

        /// The drains of `loop` (the registry keeps the loop, so its identifier is not reused while listed).
        public func drains(for loop: any EventLoop) -> LoopDrains {
            byLoop.withLock { byLoop in
                if let drains = byLoop[ObjectIdentifier(loop)] { return drains }
                let drains = LoopDrains(loop)
                byLoop[ObjectIdentifier(loop)] = drains
                return drains
            }
        }
    }
}

/// A pass-through handler installed just above the WebSocket frame encoder, through whose context the transport
/// writes its frames: they reach the encoder without passing the handlers Hummingbird keeps between the channel's
/// tail and it (the async channel's inbound and outbound handlers, which forward these writes untouched) — a few
/// handler calls, retains and releases less per delivery. Writes through the async writer (the close frame, pongs)
/// still enter at the tail and pass this handler on their way down, so frames keep the order they were written in.
/// It also tells its transport when the channel becomes writable again (a transport without a tap of its own adds
/// one at the pipeline's tail for that).
public final class FrameTap: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked: `context` and `transport` are set and read only on the channel's event loop (NIO calls
    // `handlerAdded`, `handlerRemoved` and `channelWritabilityChanged` there, `WebSocketTransport` sets `transport`
    // in a task it gives that loop and reads `context` in its drain, which runs there).
    public typealias InboundIn = NIOAny
    public typealias OutboundIn = WebSocketFrame
    public typealias OutboundOut = WebSocketFrame

    private(set) var context: ChannelHandlerContext?
    /// Told when the channel becomes writable again.
    weak var transport: WebSocketTransport?

    init() {}

    public func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    public func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        if context.channel.isWritable { transport?.channelWritable() }
    }

    /// Adds a tap above `channel`'s WebSocket frame encoder; nil when the pipeline has none (then the transport
    /// adds one at the tail).
    public static func install(in channel: any Channel) async -> FrameTap? {
        try? await channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            let encoder = try pipeline.handler(type: WebSocketFrameEncoder.self)
            let tap = FrameTap()
            try pipeline.addHandler(tap, position: .after(encoder))
            return tap
        }.get()
    }
}
