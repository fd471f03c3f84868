import Foundation
import TandemCoreTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 exchange over a blocking TCP socket (`Connection: close`), for the admin pages: unlike URLSession it
/// neither follows redirects nor keeps cookies, so a test sees exactly the `303`, `Location` and `Set-Cookie` the
/// server sends, and sends exactly the cookie it means to.
enum RawHTTP {
    struct Reply: Sendable {
        var status: Int
        /// Header lines as sent, names in lower case (a repeated header keeps every value).
        var headers: [(name: String, value: String)]
        var body: String

        func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
        func headers(_ name: String) -> [String] { headers.filter { $0.name == name }.map(\.value) }
        /// The `tandem_session` value of the reply's `Set-Cookie`, if it sets one.
        var sessionCookie: String? { cookie("tandem_session") }
        /// The value the reply's `Set-Cookie` gives cookie `name`, if it sets one.
        func cookie(_ name: String) -> String? {
            for cookie in headers("set-cookie") where cookie.hasPrefix("\(name)=") {
                return String(cookie.dropFirst(name.count + 1).prefix { $0 != ";" })
            }
            return nil
        }
    }

    /// A connected TCP socket to `127.0.0.1:port` from the local address `source`, with a receive timeout;
    /// `receiveBuffer` shrinks its kernel receive buffer (set before connecting).
    static func connect(port: Int, source: String = "127.0.0.1", timeoutSeconds: Int = 10, receiveBuffer: Int32? = nil)
        throws -> Int32
    {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TimedOut(description: "socket() failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw TimedOut(description: "bind to \(source) failed")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw TimedOut(description: "connect to port \(port) failed")
        }
        return fd
    }

    /// Sends `method path` with `headers` (and a form body, when given) and reads the whole reply.
    static func request(
        _ server: ServerProcess, _ method: String, _ path: String, cookie: String? = nil, headers: [String] = [],
        form: String? = nil
    ) throws -> Reply {
        let fd = try connect(port: server.port)
        defer { close(fd) }
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(server.port)", "Connection: close"] + headers
        if let cookie { lines.append("Cookie: tandem_session=\(cookie)") }
        let body = form ?? ""
        if form != nil {
            lines += ["Content-Type: application/x-www-form-urlencoded", "Content-Length: \(body.utf8.count)"]
        }
        let request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw TimedOut(description: "send to port \(server.port) failed") }
            sent += count
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        guard let reply = parse(bytes) else {
            throw TimedOut(description: "no complete HTTP reply to \(method) \(path): \(bytes.count) bytes")
        }
        return reply
    }

    static func parse(_ bytes: [UInt8]) -> Reply? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let headLines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        guard let statusLine = headLines.first, statusLine.hasPrefix("HTTP/1.1 "),
            let status = Int(statusLine.dropFirst(9).prefix(3))
        else { return nil }
        let headers = headLines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = String(text[split.upperBound...])
        if headers.contains(where: { $0.name == "transfer-encoding" && $0.value.lowercased() == "chunked" }) {
            body = dechunked(body)
        }
        return Reply(status: status, headers: headers, body: body)
    }

    /// A chunked body's data (sizes in hex, each chunk followed by CRLF, ended by a zero-size chunk).
    static func dechunked(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let utf8 = rest[start...].utf8
            let end = utf8.index(utf8.startIndex, offsetBy: min(size, utf8.count))
            out += String(decoding: utf8[utf8.startIndex..<end], as: UTF8.self)
            rest = rest[end...].dropFirst(2)
        }
        return out
    }
}
