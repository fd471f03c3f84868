import Foundation
import TandemCoreTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A bare-bytes WebSocket handshake over a blocking TCP socket, for checking exactly what the server
/// writes right after the upgrade (HummingbirdWSClient can miss frames that arrive in the same read as
/// the 101 response; see `ProtocolClient.connect`). Reads with a receive timeout, never forever.
enum RawWebSocket {
    /// A frame the server sent: opcode and payload (server frames are never masked).
    struct Frame: Equatable {
        var opcode: UInt8
        var payload: [UInt8]
        /// RSV1: the payload is deflated (permessage-deflate).
        var rsv1 = false
        var text: String { String(decoding: payload, as: UTF8.self) }
        /// The close code of a close frame (opcode 8).
        var closeCode: Int? { opcode == 8 && payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : nil }
    }

    /// Upgrades `/ws<query>` with `headers` from the local address `source` (any of 127.0.0.0/8), then returns
    /// the HTTP status line and every frame until a close frame, `framesMax` frames, the peer closing, or
    /// `timeoutSeconds` without data.
    static func exchange(
        port: Int,
        query: String = "",
        headers: [String] = [],
        source: String = "127.0.0.1",
        framesMax: Int = .max,
        timeoutSeconds: Int = 10
    ) throws
        -> (status: String, frames: [Frame], head: String)
    {
        let fd = try RawHTTP.connect(port: port, source: source, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        let request =
            ([
                "GET /ws\(query) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
            ] + headers)
            .joined(separator: "\r\n") + "\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            if let parsed = parse(bytes), parsed.frames.last?.opcode == 8 || parsed.frames.count >= framesMax {
                return parsed
            }
        }
        guard let parsed = parse(bytes) else { throw TimedOut(description: "no HTTP response from port \(port)") }
        return parsed
    }

    /// The status line, the complete frames in `bytes` and the whole HTTP head, or nil before the head is complete.
    static func parse(_ bytes: [UInt8]) -> (status: String, frames: [Frame], head: String)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard
            let end = (0...max(0, bytes.count - 4)).first(where: {
                Array(bytes[$0..<min($0 + 4, bytes.count)]) == separator
            })
        else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        var frames: [Frame] = []
        var index = end + 4
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0F
            var length = Int(bytes[index + 1] & 0x7F)
            var start = index + 2
            if length == 126 {
                guard start + 2 <= bytes.count else { break }
                length = Int(bytes[start]) << 8 | Int(bytes[start + 1])
                start += 2
            } else if length == 127 {
                guard start + 8 <= bytes.count else { break }
                length = bytes[start..<start + 8].reduce(0) { $0 << 8 | Int($1) }
                start += 8
            }
            guard start + length <= bytes.count else { break }
            frames.append(
                Frame(opcode: opcode, payload: Array(bytes[start..<start + length]), rsv1: bytes[index] & 0x40 != 0))
            index = start + length
        }
        return (String(head.prefix { $0 != "\r" }), frames, head)
    }
}
