// ws-floor: the floor of WebSocket fan-out on this machine (issue 10; /work/shared/reference/WS-FLOOR.md).
//
// A bare SwiftNIO broadcast that speaks just enough of the protocol for `tandem-load` — login, `/ws`,
// `join_collaboration` → `joined`, `field_change` → `ack` to the sender and `model_changed` to everyone else in
// the record — with the production codec (the same bytes on the wire as tandem-server), and does nothing else:
// no store, no permissions, no merge, no presence, no limits. One room per record under a lock: the version goes
// up, `model_changed` is encoded once into one buffer, and, still under the lock, one task per event loop writes
// that frame to every member on that loop (keeping every member's versions in order).
//
// It takes the same command line and environment as `tandem-server serve` where `scripts/load.sh` uses them
// (`serve`, `TANDEM_PORT`, `TANDEM_HOST`) and prints the same "listening on" line, so
//
//   SERVER_BIN=.build-release/release/ws-floor BUILD=0 scripts/load.sh 250 1 30s 2s
//
// measures the floor with the same client and the same CPU accounting as the real server.

import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import TandemCore
import TandemWire

/// Everyone in one record, and its version.
final class Room: @unchecked Sendable {
    // @unchecked: `members` and `version` are only read and written while holding `lock`.
    let key: String
    let recordID: RecordID
    private let lock = NIOLock()
    private var version = 0
    private var value: JSONValue = .null
    private var members: [ObjectIdentifier: Member] = [:]

    struct Member {
        let channel: any Channel
        let user: UserRef
    }

    init(key: String, recordID: RecordID) {
        self.key = key
        self.recordID = recordID
    }

    func join(_ member: Member, rid: RequestID?) -> ServerMessage {
        lock.withLock {
            members[ObjectIdentifier(member.channel)] = member
            return .joined(Joined(
                sessionID: key, model: "Contact", recordID: recordID, version: version, fields: ["age": value],
                fieldVersions: ["age": version], participants: [], comments: [], readOnly: false, rid: rid))
        }
    }

    func leave(_ channel: any Channel) {
        _ = lock.withLock { members.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Applies a change: the author's ack goes to `author`, the shared `model_changed` to every other member, one
    /// task per event loop, queued under the lock so that versions reach every member in order.
    func change(_ change: FieldChange, from author: Member, codec: WireCodec) {
        lock.withLock {
            version += 1
            guard case .value(let newValue) = change.edit else { return }
            value = newValue
            let changed = ServerMessage.modelChanged(ModelChanged(
                sessionID: key, model: "Contact", recordID: recordID, field: change.field, version: version,
                edit: change.edit, user: author.user, timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                origin: .ws, changeID: change.changeID))
            let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: codec.encodeServerBytes(changed)))
            let ack = ServerMessage.ack(Ack(rid: change.rid, version: version, changeID: change.changeID))
            Connection.write(ack, to: author.channel, codec: codec)
            var byLoop: [ObjectIdentifier: (any EventLoop, [any Channel])] = [:]
            for member in members.values where member.channel !== author.channel {
                let loop = member.channel.eventLoop
                byLoop[ObjectIdentifier(loop), default: (loop, [])].1.append(member.channel)
            }
            for (loop, channels) in byLoop.values {
                loop.execute {
                    for channel in channels { channel.writeAndFlush(frame, promise: nil) }
                }
            }
        }
    }
}

/// Every room, by session id.
final class Rooms: Sendable {
    private let rooms = NIOLockedValueBox<[String: Room]>([:])

    func room(model: String, recordID: RecordID) -> Room {
        let key = "\(model):\(recordID)"
        return rooms.withLockedValue { rooms in
            if let room = rooms[key] { return room }
            let room = Room(key: key, recordID: recordID)
            rooms[key] = room
            return room
        }
    }

    func room(_ key: String) -> Room? { rooms.withLockedValue { $0[key] } }
}

/// One WebSocket: decodes client frames with the production codec and answers the four things a fan-out client
/// uses.
final class Connection: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: `joined` is only touched on the channel's event loop (NIO calls the handler there).
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let rooms: Rooms
    let user: UserRef
    let codec = WireCodec()
    private var joined: [Room] = []

    init(rooms: Rooms, user: UserRef) {
        self.rooms = rooms
        self.user = user
    }

    static func write(_ message: ServerMessage, to channel: any Channel, codec: WireCodec) {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: codec.encodeServerBytes(message)))
        channel.writeAndFlush(frame, promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let confirmed = ServerMessage.connectionConfirmed(ConnectionConfirmed(
            connectionID: "floor-\(user.id)", user: user, serverTime: Int64(Date().timeIntervalSince1970 * 1000),
            heartbeatMs: 30_000))
        Self.write(confirmed, to: context.channel, codec: codec)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let bytes = frame.unmaskedData.readableBytesView
            guard let message = try? codec.decodeClient(bytes) else { return }
            handle(message, context: context)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                                  promise: nil)
        case .connectionClose:
            var data = context.channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: .normalClosure)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    private func handle(_ message: ClientMessage, context: ChannelHandlerContext) {
        let member = Room.Member(channel: context.channel, user: user)
        switch message {
        case .joinCollaboration(let join):
            let room = rooms.room(model: join.model, recordID: join.recordID)
            joined.append(room)
            Self.write(room.join(member, rid: join.rid), to: context.channel, codec: codec)
        case .fieldChange(let change):
            rooms.room(change.sessionID)?.change(change, from: member, codec: codec)
        case .ping(let ping):
            Self.write(.pong(Pong(serverTime: Int64(Date().timeIntervalSince1970 * 1000), rid: ping.rid)),
                       to: context.channel, codec: codec)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for room in joined { room.leave(context.channel) }
        joined.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Plain HTTP before the upgrade: the login (any user, any password: a token that names them), `/healthz`, and an
/// empty `/metrics`.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked: `request` is only touched on the channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var request: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            let (status, body): (HTTPResponseStatus, String)
            switch (head.method, head.uri.split(separator: "?").first.map(String.init) ?? "") {
            case (.POST, "/api/v1/security/login"):
                (status, body) = (.ok, #"{"access_token":"floor","refresh_token":"floor"}"#)
            case (.GET, "/healthz"): (status, body) = (.ok, #"{"status":"ok"}"#)
            case (.GET, "/metrics"): (status, body) = (.ok, "# ws-floor keeps no metrics\n")
            default: (status, body) = (.notFound, #"{"message":"not found"}"#)
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            headers.add(name: "Content-Type", value: head.uri.hasPrefix("/metrics") ? "text/plain" : "application/json")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                          promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            request = nil
        }
    }
}

/// Each WebSocket gets the next user id.
let users = NIOLockedValueBox(0)
let rooms = Rooms()

let arguments = CommandLine.arguments.dropFirst()
guard arguments.first == "serve" else {
    FileHandle.standardError.write(Data("usage: ws-floor serve [--demo]   (TANDEM_HOST, TANDEM_PORT)\n".utf8))
    exit(2)
}
let environment = ProcessInfo.processInfo.environment
let host = environment["TANDEM_HOST"] ?? "127.0.0.1"
let port = Int(environment["TANDEM_PORT"] ?? "0") ?? 0
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

let upgrader = NIOWebSocketServerUpgrader(
    maxFrameSize: 1 << 20,
    shouldUpgrade: { channel, head in
        channel.eventLoop.makeSucceededFuture(head.uri.hasPrefix("/ws") ? HTTPHeaders() : nil)
    },
    upgradePipelineHandler: { channel, _ in
        let id = users.withLockedValue { count -> Int in
            count += 1
            return count
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                Connection(rooms: rooms, user: UserRef(id: id, username: "user-\(id)")))
        }
    })

let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(ChannelOptions.backlog, value: 1024)
    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        let http = HTTPHandler()
        return channel.pipeline.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.removeHandler(http, promise: nil)
            })
        ).flatMap { channel.pipeline.addHandler(http) }
    }

do {
    let channel = try bootstrap.bind(host: host, port: port).wait()
    FileHandle.standardOutput.write(
        Data("ws-floor: a bare NIO broadcast\ntandem-server listening on http://\(host):\(channel.localAddress?.port ?? port)\n".utf8))
    // SIGTERM (scripts/load.sh stops its servers with it) ends the process by its default action.
    try channel.closeFuture.wait()
    try group.syncShutdownGracefully()
} catch {
    FileHandle.standardError.write(Data("ws-floor: \(error)\n".utf8))
    exit(1)
}
