import Foundation
import TandemCoreTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A WebSocket client over a blocking socket with a tiny receive buffer, that reads only when told to: a browser
/// whose tab stopped reading. Reads time out (10 s without data), never block forever.
final class StalledSocket {
    let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, token: String) throws {
        fd = try RawHTTP.connect(port: port, timeoutSeconds: 10, receiveBuffer: 4096)
        let request = [
            "GET /ws?token=\(token) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        ].joined(separator: "\r\n") + "\r\n\r\n"
        try write(Array(request.utf8))
        try read(untilContains: "\r\n\r\n")
        guard String(decoding: pending.prefix(12), as: UTF8.self) == "HTTP/1.1 101" else {
            throw TimedOut(description: "no upgrade: \(String(decoding: pending.prefix(200), as: UTF8.self))")
        }
    }

    /// One masked text frame.
    func sendText(_ text: String) throws {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try write(frame)
    }

    /// Reads until the bytes received so far contain `marker`.
    func read(untilContains marker: String) throws {
        let needle = Array(marker.utf8)
        while !contains(needle) {
            guard try receive() > 0 else { throw TimedOut(description: "the server closed before \(marker)") }
        }
    }

    /// What reading everything until the server closes shows: how many `model_changed` frames came and the code
    /// of the close frame that ended them (nil if the socket closed without one).
    struct Tail: CustomStringConvertible {
        var changes = 0
        var closeCode: Int?
        var description: String { "\(changes) model_changed, close \(closeCode.map(String.init) ?? "none")" }
    }

    func readToEnd() throws -> Tail {
        while (try? receive()) ?? 0 > 0 {}
        var tail = Tail()
        let marker = Array("\"type\":\"model_changed\"".utf8)
        for frame in RawWebSocket.parse(pending)?.frames ?? [] {
            if frame.opcode == 1, frame.payload.firstRange(of: marker) != nil { tail.changes += 1 }
            if let code = frame.closeCode { tail.closeCode = code }
        }
        return tail
    }

    func close() { Glibc.close(fd) }

    private func contains(_ needle: [UInt8]) -> Bool { pending.firstRange(of: needle) != nil }

    private func receive() throws -> Int {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { throw TimedOut(description: "recv failed: errno \(errno)") }
        pending += buffer[0..<count]
        return count
    }

    private func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw TimedOut(description: "send failed: errno \(errno)") }
            sent += count
        }
    }
}
