import CompressNIO
import HTTPTypes
import HummingbirdWebSocket
import HummingbirdWSCompression
import NIOCore
import NIOWebSocket
import Synchronization

/// `permessage-deflate` (RFC 7692) on the server's sockets, when `websocket.compression` is on.
///
/// Hummingbird negotiates the extension and compresses what goes through a socket's outbound writer (Socket.IO's
/// frames, every close) and decompresses what clients send. The native `/ws` writes its frames to the channel
/// directly, past that writer (`WebSocketTransport.ChannelWriter`), so it compresses them itself: the server
/// always answers `server_no_context_takeover`, which makes every message it sends independent of the ones
/// before, so a fan-out frame is compressed **once** and the same compressed bytes go to every recipient that
/// negotiated deflate, instead of once per recipient through a per-connection compressor (an actor hop and a
/// zlib call per recipient). Dropping context takeover costs some ratio on small messages that repeat earlier
/// ones; it also means no per-connection send window has to be kept for the native writes.
///
/// A client that asks for a smaller server window (`server_max_window_bits` below 15) gets its frames through the
/// outbound writer instead (Hummingbird's compressor with that window): the shared bytes are compressed with a
/// 15-bit window, which such a client could not inflate.
public struct WebSocketCompression: Sendable {
    /// Messages shorter than this go uncompressed (RSV1 clear, which RFC 7692 allows): deflate's framing would
    /// outweigh the saving. The same threshold as the outbound writer's compressor.
    static let minimumBytes = 256
    static let sharedWindowBits = 15

    let factory: WebSocketExtensionFactory
    private let builder: any WebSocketExtensionBuilder
    private let deflater: SharedDeflater

    /// `decompressedBytesMax`: the largest message a client may send compressed (after inflating).
    init(decompressedBytesMax: Int) {
        factory = .perMessageDeflate(
            serverNoContextTakeover: true,
            // The per-connection deflate stream compresses only what goes through the outbound writer (Socket.IO,
            // small-window clients); zlib's smallest memory level keeps its hash table at 512 bytes instead of the
            // 64 KiB it writes at init with the default level, on every socket that negotiates deflate.
            memoryLevel: 1,
            maxDecompressedFrameSize: decompressedBytesMax,
            minFrameSizeToCompress: Self.minimumBytes
        )
        builder = factory.build()
        deflater = SharedDeflater()
    }

    /// How a socket upgraded with `headers` writes its frames.
    enum Negotiated: Sendable, Equatable {
        /// No deflate: plain text frames.
        case off
        /// Deflate with a 15-bit server window: shared frames compressed once (`frame(_:)`).
        case shared
        /// Deflate with a smaller window: every frame through the outbound writer's compressor.
        case outboundWriter
    }

    /// What Hummingbird negotiated for an upgrade request with these headers (the same builder, the same answer).
    func negotiated(_ headers: HTTPFields) -> Negotiated {
        let offers = WebSocketExtensionHTTPParameters.parseHeaders(headers)
        guard let answer = builder.serverResponseHeader(to: offers) else { return .off }
        let answered = WebSocketExtensionHTTPParameters.parseHeaders([.secWebSocketExtensions: answer])
        let window = answered.first?.parameters["server_max_window_bits"]?.integer ?? Self.sharedWindowBits
        return window == Self.sharedWindowBits ? .shared : .outboundWriter
    }

    /// A text frame of `payload` as a connection that negotiated `.shared` receives it: compressed (RSV1 set,
    /// the trailing `00 00 ff ff` removed) from `minimumBytes` on.
    func textFrame(_ payload: ByteBuffer) -> WebSocketFrame {
        guard payload.readableBytes >= Self.minimumBytes, let deflated = deflater.deflate(payload) else {
            return WebSocketFrame(fin: true, opcode: .text, data: payload)
        }
        return WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: deflated)
    }
}

/// One raw-deflate stream for every shared frame, reset after each message (no context takeover), behind a lock:
/// a fan-out compresses its frame once, and zlib's state is allocated once per server, not per frame or socket.
final class SharedDeflater: Sendable {
    private let compressor: Mutex<ZlibCompressor?>

    init() {
        compressor = Mutex(
            try? ZlibCompressor(
                algorithm: .deflate,
                configuration: ZlibConfiguration(windowSize: Int32(WebSocketCompression.sharedWindowBits))
            )
        )
    }

    /// The RFC 7692 payload of one message (a sync-flushed raw deflate block without its `00 00 ff ff` tail), or
    /// nil if zlib failed (the caller then sends the message uncompressed).
    func deflate(_ payload: ByteBuffer) -> ByteBuffer? {
        compressor.withLock { compressor -> ByteBuffer? in
            guard let compressor else { return nil }
            var input = payload
            var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
            defer { try? compressor.reset() }
            guard (try? compressor.deflate(from: &input, to: &output, flush: .sync)) != nil, input.readableBytes == 0,
                output.readableBytes >= 4, output.getBytes(at: output.writerIndex - 4, length: 4) == [0, 0, 0xff, 0xff]
            else { return nil }
            output.moveWriterIndex(to: output.writerIndex - 4)
            return output
        }
    }
}
