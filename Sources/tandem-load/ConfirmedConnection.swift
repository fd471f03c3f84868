import HTTPTypes
import HummingbirdWSClient
import HummingbirdWSCompression
import Logging
import NIOWebSocket

/// A WebSocket to a node, authenticated with a bearer token, handed over once the server's first frame
/// (`connection_confirmed`) arrived.
///
/// HummingbirdWSClient can lose frames that arrive in the same read as the 101 response, and the connection then
/// hangs silently. A connection that shows nothing within `confirmationTimeout` is closed and reported
/// `.unconfirmed`, so the caller connects again (at most `attemptsMax` times).
enum ConfirmedConnection {
    static let attemptsMax = 3
    static let confirmationTimeout: Duration = .seconds(5)

    enum Outcome {
        case unconfirmed
        /// The session ran and ended: the server's close frame, if one came.
        case closed(WebSocketCloseFrame?)
    }

    typealias Frames = WebSocketInboundMessageStream.AsyncIterator

    /// Connects and runs `body` with the confirmation frame's text, the frames after it and the writer.
    static func open(
        url: String,
        token: String,
        label: String,
        deflate: Bool = false,
        _ body: @escaping @Sendable (_ first: String, _ frames: inout Frames, _ outbound: WebSocketOutboundWriter)
            async throws -> Void
    ) async throws -> Outcome {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let confirmed = Flag()
        let unconfirmed = Flag()
        let close = try await WebSocketClient.connect(
            url: url,
            configuration: WebSocketClientConfiguration(
                maxFrameSize: 16 << 20, additionalHeaders: headers,
                // Offers permessage-deflate (--deflate); the server uses it when its websocket.compression is on.
                extensions: deflate ? [.perMessageDeflate(maxDecompressedFrameSize: 16 << 20)] : []
            ),
            logger: Logger(label: label)
        ) { inbound, outbound, _ in
            let watchdog = Task {
                try await Task.sleep(for: confirmationTimeout)
                if confirmed.set() { try await outbound.close(.normalClosure, reason: "no connection_confirmed") }
            }
            defer { watchdog.cancel() }
            var frames = inbound.messages(maxSize: 16 << 20).makeAsyncIterator()
            guard case .text(let first)? = try await frames.next(), first.contains("\"connection_confirmed\""),
                confirmed.set()
            else {
                _ = unconfirmed.set()
                return
            }
            try await body(first, &frames, outbound)
        }
        // `unconfirmed` was set by the handler when no `connection_confirmed` came.
        return unconfirmed.set() ? .closed(close) : .unconfirmed
    }

    /// A close code as its number.
    static func number(_ code: WebSocketErrorCode) -> Int {
        switch code {
        case .normalClosure: return 1000
        case .goingAway: return 1001
        case .policyViolation: return 1008
        case .unknown(let value): return Int(value)
        default: return 1011
        }
    }
}
