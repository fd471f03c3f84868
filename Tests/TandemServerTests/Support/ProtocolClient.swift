import HTTPTypes
import HummingbirdWSClient
import HummingbirdWSCompression
import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
import Synchronization
import TandemCore
import TandemWire
import TandemCoreTestSupport

/// A real WebSocket client of the protocol for tests: connects with HummingbirdWSClient, keeps every server
/// frame in arrival order, and lets a test wait (with a deadline) for the next frame of a type.
final class ProtocolClient: Sendable {
    /// One frame from the server, parsed.
    struct Frame: Sendable {
        var text: String
        var json: JSONValue
        var type: String { json["type"]?.stringValue ?? "" }
        var message: ServerMessage? { try? WireCodec().decodeServer(text) }
    }

    private struct State: Sendable {
        var outbound: WebSocketOutboundWriter?
        var frames: [Frame] = []
        /// Index of the first frame `next` has not handed out, per type ("" = any type).
        var consumed: Set<Int> = []
        var closeCode: Int?
        var closeReason: String?
        var ended = false
        var failure: String?
    }

    private let state = Mutex(State())
    let name: String

    private init(name: String) { self.name = name }

    /// Connects; a token goes in the `Authorization` header, or in `?token=` when `tokenInQuery`.
    ///
    /// Under load, HummingbirdWSClient sometimes never delivers frames that arrived in the same TCP read as
    /// the 101 response (the connection then hangs without frames or close). The server's first frame,
    /// `connection_confirmed`, is sent at once, so a connection that shows nothing within 5 s is dropped and
    /// made again, at most three times; `RawWebSocket` checks those first bytes without any library.
    static func connect(
        _ server: ServerProcess,
        token: String?,
        name: String = "client",
        tokenInQuery: Bool = false,
        origin: String? = nil,
        waitForConfirmation: Bool = true,
        deflate: Bool = false
    ) async throws -> ProtocolClient {
        let options = Options(tokenInQuery: tokenInQuery, origin: origin, deflate: deflate)
        guard waitForConfirmation else {
            return try await attempt(server, token: token, name: name, options)
        }
        for attemptNumber in 1...3 {
            let client = try await attempt(server, token: token, name: name, options)
            if let failure = client.failure { throw TimedOut(description: "\(name) could not connect: \(failure)") }
            if (try? await client.next("connection_confirmed", timeout: .seconds(5))) != nil { return client }
            print("\(name): no connection_confirmed within 5 s (attempt \(attemptNumber)); reconnecting")
            await client.abandon()
        }
        throw TimedOut(description: "\(name) got no connection_confirmed in three attempts")
    }

    /// How `connect` reaches the server besides the token: the token in the query, an `Origin`, and whether it
    /// offers permessage-deflate. Over TLS (a server started with a certificate) it trusts that certificate only.
    struct Options {
        var tokenInQuery = false
        var origin: String?
        var deflate = false
    }

    private static func attempt(
        _ server: ServerProcess,
        token: String?,
        name: String = "client",
        _ options: Options
    ) async throws -> ProtocolClient {
        let client = ProtocolClient(name: name)
        var headers = HTTPFields()
        if let token, !options.tokenInQuery { headers[.authorization] = "Bearer \(token)" }
        if let origin = options.origin { headers[.origin] = origin }
        let url = server.webSocketURL + (options.tokenInQuery && token != nil ? "?token=\(token!)" : "")
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: 8 << 20, additionalHeaders: headers,
            extensions: options.deflate ? [.perMessageDeflate(maxDecompressedFrameSize: 8 << 20)] : [])
        let tls = try server.tlsCertificate.map { certificate in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate.path))
            return tls
        }
        Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url,
                    configuration: configuration,
                    tlsConfiguration: tls,
                    logger: Logger(label: name)
                ) { inbound, outbound, _ in
                    client.state.withLock { $0.outbound = outbound }
                    for try await message in inbound.messages(maxSize: 64 << 20) {
                        guard case .text(let text) = message else { continue }
                        let json = (try? JSONParser().parse(text)) ?? .null
                        client.state.withLock { $0.frames.append(Frame(text: text, json: json)) }
                    }
                }
                client.state.withLock { state in
                    state.closeCode = close.map { Self.number(of: $0.closeCode) }
                    state.closeReason = close?.reason
                    state.ended = true
                }
            } catch {
                client.state.withLock { state in
                    state.failure = "\(error)"
                    state.ended = true
                }
            }
        }
        try await waitUntil("\(name) to connect") { client.state.withLock { $0.outbound != nil || $0.ended } }
        return client
    }

    var failure: String? { state.withLock { $0.failure } }
    var frames: [Frame] { state.withLock { $0.frames } }
    var isEnded: Bool { state.withLock { $0.ended } }

    func send(_ text: String) async throws {
        guard let outbound = state.withLock({ $0.outbound }) else {
            throw TimedOut(description: "\(name) is not connected")
        }
        try await outbound.write(.text(text))
    }

    func send(_ value: JSONValue) async throws {
        try await send(try JSONWriter().string(value))
    }

    func sendBinary(_ bytes: [UInt8]) async throws {
        guard let outbound = state.withLock({ $0.outbound }) else {
            throw TimedOut(description: "\(name) is not connected")
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        try await outbound.write(.binary(buffer))
    }

    /// Sends one text message as several WebSocket frames (continuations).
    func sendFragmented(_ parts: [String]) async throws {
        guard let outbound = state.withLock({ $0.outbound }) else {
            throw TimedOut(description: "\(name) is not connected")
        }
        try await outbound.withTextMessageWriter { writer in
            for part in parts { try await writer(part) }
        }
    }

    /// The next frame (in arrival order) of `type` not handed out before, waiting up to `timeout`.
    @discardableResult
    func next(
        _ type: String,
        timeout: Duration = .seconds(15),
        where predicate: @Sendable (JSONValue) -> Bool = { _ in true }
    )
        async throws -> JSONValue
    {
        try await waitFor(
            "\(name) to receive \(type); got \(frames.map(\.type)), ended: \(isEnded), "
                + "close: \(String(describing: state.withLock { $0.closeCode })), failure: \(failure ?? "none")",
            timeout: timeout
        ) {
            state.withLock { state -> JSONValue? in
                for (index, frame) in state.frames.enumerated()
                where !state.consumed.contains(index) && frame.type == type && predicate(frame.json) {
                    state.consumed.insert(index)
                    return frame.json
                }
                return nil
            }
        }
    }

    /// The reply to request `rid` (any type), waiting up to `timeout`.
    func reply(to rid: Int, timeout: Duration = .seconds(15)) async throws -> JSONValue {
        try await waitFor("\(name) to receive the reply to rid \(rid)", timeout: timeout) {
            state.withLock { state -> JSONValue? in
                for (index, frame) in state.frames.enumerated()
                where !state.consumed.contains(index) && frame.json["rid"]?.intValue == rid {
                    state.consumed.insert(index)
                    return frame.json
                }
                return nil
            }
        }
    }

    /// Frames of `type` received so far (consumed or not).
    func received(_ type: String) -> [JSONValue] { frames.filter { $0.type == type }.map(\.json) }

    /// Sends a close frame (1000) and waits until the connection ended.
    /// Sends a close frame without waiting for the connection to end (for a hung connection).
    func abandon() async {
        if let outbound = state.withLock({ $0.outbound }) { try? await outbound.close(.normalClosure, reason: "retry") }
    }

    func close() async throws {
        if let outbound = state.withLock({ $0.outbound }), !isEnded {
            try? await outbound.close(.normalClosure, reason: "bye")
        }
        try await waitUntil("\(name) to close") { isEnded }
    }

    /// The server's close code and reason, once the connection ended.
    func closed(timeout: Duration = .seconds(15)) async throws -> (code: Int?, reason: String?) {
        try await waitUntil("\(name) to be closed by the server", timeout: timeout) { isEnded }
        return state.withLock { ($0.closeCode, $0.closeReason) }
    }

    static func number(of code: WebSocketErrorCode) -> Int {
        switch code {
        case .normalClosure: return 1000
        case .goingAway: return 1001
        case .protocolError: return 1002
        case .unacceptableData: return 1003
        case .dataInconsistentWithMessage: return 1007
        case .policyViolation: return 1008
        case .messageTooLarge: return 1009
        case .missingExtension: return 1010
        case .unexpectedServerError: return 1011
        case .unknown(let value): return Int(value)
        }
    }
}
