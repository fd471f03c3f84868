import HummingbirdWebSocket
import NIOCore

/// Reassembles WebSocket frames into whole client messages without ever holding more than `bytesMax` of one.
///
/// `inbound.messages(maxSize:)` closes the connection on an oversized message; the protocol instead answers
/// `too_large` and keeps it. So this reader collects fragments itself: once a message passes `bytesMax` the
/// rest of it is read and dropped, and the message is reported as too large with its full size.
struct InboundMessageReader {
    enum Message: Sendable, Equatable {
        case text([UInt8])
        case binary(byteCount: Int)
        case tooLarge(byteCount: Int)
    }

    private var frames: WebSocketInboundStream.AsyncIterator
    let bytesMax: Int

    init(_ inbound: WebSocketInboundStream, bytesMax: Int) {
        self.frames = inbound.makeAsyncIterator()
        self.bytesMax = bytesMax
    }

    /// The next whole message, or nil when the peer closed.
    mutating func next() async throws -> Message? {
        var bytes: [UInt8] = []
        var byteCount = 0
        var isText = true
        var started = false
        while let frame = try await frames.next() {
            switch frame.opcode {
            case .text, .binary:
                // A new message replaces an unfinished one (a peer bug); the protocol layer reports it.
                bytes.removeAll(keepingCapacity: true)
                byteCount = 0
                isText = frame.opcode == .text
                started = true
            case .continuation:
                guard started else { continue }  // a stray continuation belongs to no message
            }
            byteCount += frame.data.readableBytes
            if isText && byteCount <= bytesMax {
                bytes.append(contentsOf: frame.data.readableBytesView)
            }
            guard frame.fin else { continue }
            if !isText { return .binary(byteCount: byteCount) }
            if byteCount > bytesMax { return .tooLarge(byteCount: byteCount) }
            return .text(bytes)
        }
        return nil
    }
}
