import CompressNIO
import Foundation
import NIOCore
import TandemCore
import TandemCoreTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@testable import TandemServer

/// TLS (`server.tls`) and permessage-deflate (`websocket.compression`) against real `tandem-server` processes: a
/// throwaway certificate made by openssl, curl logging in over https and HummingbirdWSClient over wss trusting only
/// that certificate; deflate seen on the wire by a client on a bare socket (RSV1, the compressed bytes inflated
/// here) and decoded by HummingbirdWSClient's own permessage-deflate.
@Suite(.timeLimit(.minutes(3)))
struct TLSAndCompressionTests {
    /// A text long enough to be compressed (the server leaves messages under 256 bytes alone).
    static let longNotes = String(repeating: "Tandem keeps every collaborator in step. ", count: 40)

    @Test func httpsLoginAndWssCollaborationWithAThrowawayCertificate() async throws {
        let folder = try ServerProcess.makeDirectory()
        let (certificate, key) = try await ThrowawayCertificate.make(in: folder)
        let config = TestConfig.adding("server", "tls: {certificate: \"\(certificate.path)\", key: \"\(key.path)\"}")
        try await withServer(config: config, directory: folder, tlsCertificate: certificate) { server in
            let alice = try await ProtocolClient.connect(
                server, token: try await Self.login(server, "alice"), name: "alice", deflate: true)
            let bob = try await ProtocolClient.connect(server, token: try await Self.login(server, "bob"), name: "bob")
            try await alice.join()
            try await bob.join(rid: 2)
            let value = try JSONWriter().string(.object(["text": .string(Self.longNotes)]))
            #expect(try await alice.change("settings", value: value, base: 0, rid: 3).string("type") == "ack")
            let changed = try await bob.next("model_changed")
            #expect(changed["value"]?["text"]?.stringValue == Self.longNotes, "\(changed)")
            // Plain HTTP on the TLS port gets no answer.
            let plain = try? await runToCompletion(
                URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "--max-time", "5", "http://127.0.0.1:\(server.port)/healthz"])
            #expect(plain?.status != 0)
        }
    }

    @Test func deflateIsNegotiatedAndFanOutFramesGoCompressed() async throws {
        try await withServer(config: TestConfig.standard + "\nwebsocket:\n  compression: on") { server in
            let observer = try RawObserver(
                port: server.port, path: "/ws",
                headers: [
                    "Authorization: Bearer \(try await HTTP.login(server, "victor", "victor-pw"))",
                    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
                ])
            let answer = observer.header("sec-websocket-extensions") ?? ""
            #expect(answer.contains("permessage-deflate") && answer.contains("server_no_context_takeover"), "\(answer)")
            _ = try observer.next { $1.contains("connection_confirmed") }
            try observer.send(#"{"type":"join_collaboration","model":"Contact","record_id":1,"rid":1}"#)
            _ = try observer.next { $1.contains(#""type":"joined""#) }
            let alice = try await ProtocolClient.connect(
                server, token: try await HTTP.login(server, "alice", "alice-pw"), name: "alice", deflate: true)
            let bob = try await ProtocolClient.connect(
                server, token: try await HTTP.login(server, "bob", "bob-pw"), name: "bob", deflate: true)
            try await alice.join()
            try await bob.join(rid: 2)
            var version = 0
            for round in 1...2 {
                let value = try JSONWriter().string(.object(["text": .string("\(round): " + Self.longNotes)]))
                let ack = try await alice.change("settings", value: value, base: version, rid: 10 + round)
                #expect(ack.string("type") == "ack", "\(ack)")
                version = ack.int("version")
                // The real client decodes the compressed fan-out frame …
                let changed = try await bob.next("model_changed")
                #expect(changed["value"]?["text"]?.stringValue == "\(round): " + Self.longNotes)
                // … and on the wire it is compressed: RSV1 set, fewer bytes than the JSON it inflates to.
                let (frame, text) = try observer.next { $1.contains(#""type":"model_changed""#) }
                #expect(frame.rsv1)
                #expect(text.contains(#""type":"model_changed""#) && text.contains("\(round): Tandem keeps"))
                #expect(frame.payload.count * 4 < text.utf8.count, "\(frame.payload.count) of \(text.utf8.count) bytes")
            }
            // Socket.IO's endpoint negotiates it too.
            let socketIO = try RawObserver(
                port: server.port, path: "/socket.io/?EIO=4&transport=websocket",
                headers: ["Sec-WebSocket-Extensions: permessage-deflate"])
            #expect(socketIO.header("sec-websocket-extensions")?.contains("permessage-deflate") == true)
        }
    }

    @Test func deflateIsOffWhenTheClientDoesNotOfferItOrTheServerDisablesIt() async throws {
        for (compression, offer) in [(true, false), (false, true)] {
            let config = TestConfig.standard + "\nwebsocket:\n  compression: \(compression ? "on" : "off")"
            try await withServer(config: config) { server in
                let observer = try RawObserver(
                    port: server.port, path: "/ws",
                    headers: ["Authorization: Bearer \(try await HTTP.login(server, "victor", "victor-pw"))"]
                        + (offer ? ["Sec-WebSocket-Extensions: permessage-deflate"] : []))
                #expect(observer.header("sec-websocket-extensions") == nil)
                try observer.send(#"{"type":"join_collaboration","model":"Contact","record_id":1,"rid":1}"#)
                _ = try observer.next { $1.contains(#""type":"joined""#) }
                let alice = try await ProtocolClient.connect(
                    server, token: try await HTTP.login(server, "alice", "alice-pw"), name: "alice", deflate: offer)
                try await alice.join()
                let value = try JSONWriter().string(.object(["text": .string(Self.longNotes)]))
                #expect(try await alice.change("settings", value: value, base: 0, rid: 2).string("type") == "ack")
                let (frame, text) = try observer.next { $1.contains(#""type":"model_changed""#) }
                #expect(!frame.rsv1)
                #expect(text.contains(Self.longNotes))
            }
        }
    }

    @Test func aBadTLSConfigurationEndsTheStartNamingTheKeyAndTheFile() async throws {
        let folder = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (certificate, key) = try await ThrowawayCertificate.make(in: folder)
        let (_, otherKey) = try await ThrowawayCertificate.make(in: folder.appendingPathComponent("other"))
        let notPEM = folder.appendingPathComponent("not-a-key.pem")
        try "hello".write(to: notPEM, atomically: true, encoding: .utf8)
        let missing = folder.appendingPathComponent("missing.pem").path
        let cases: [(certificate: String, key: String, setting: String, file: String, says: String)] = [
            (missing, key.path, "server.tls.certificate", missing, "no such certificate file"),
            (certificate.path, notPEM.path, "server.tls.key", notPEM.path, "not an unencrypted PEM private key"),
            (notPEM.path, key.path, "server.tls.certificate", notPEM.path, "not a PEM certificate"),
            (certificate.path, otherKey.path, "server.tls.key", otherKey.path, "this key does not fit the certificate"),
        ]
        for item in cases {
            let config = folder.appendingPathComponent("tandem.yaml")
            try TestConfig.adding("server", "tls: {certificate: \"\(item.certificate)\", key: \"\(item.key)\"}")
                .replacingOccurrences(of: "{{DATA}}", with: folder.appendingPathComponent("data").path)
                .write(to: config, atomically: true, encoding: .utf8)
            let (status, output) = try await ServerProcess.runCLI(
                ["serve", "--config", config.path, "--exit-with-parent"], environment: ["TANDEM_PORT": "0"])
            #expect(status == 2, "\(output)")
            #expect(output.contains("\(item.file): \(item.setting): \(item.says)"), "\(output)")
        }
    }

    /// Logs in over https with curl (which trusts only the throwaway certificate) and returns the access token.
    static func login(_ server: ServerProcess, _ username: String) async throws -> String {
        let reply = try await server.curl([
            "-X", "POST", "\(server.baseURL)/api/v1/security/login", "-H", "Content-Type: application/json",
            "-d", #"{"username":"\#(username)","password":"\#(username)-pw","provider":"db"}"#,
        ])
        let token = try JSONParser().parse(reply.body)["access_token"]?.stringValue
        return try #require(token, "login as \(username): \(reply.status) \(reply.body)")
    }
}

/// `server.tls` and `websocket.compression` as the configuration reads them.
@Suite struct TLSAndCompressionConfigurationTests {
    @Test func tlsNeedsBothFilesAndCompressionIsOnOrOff() throws {
        let both = try ServerConfiguration.parse(
            yaml: "server:\n  tls: {certificate: /c.pem, key: /k.pem}\nwebsocket:\n  compression: on", file: "t.yaml")
        #expect(both.tls == TLSFiles(certificate: "/c.pem", key: "/k.pem"))
        #expect(both.webSocketCompression)
        #expect(try ServerConfiguration.parse(yaml: "server:\n  tls: off", file: "t.yaml").tls == nil)
        #expect(!ServerConfiguration().webSocketCompression)
        #expect(throws: ConfigurationError(
            file: "t.yaml", line: 2, key: "server.tls.key",
            message: "TLS needs both certificate and key (PEM file paths); key is missing")
        ) { try ServerConfiguration.parse(yaml: "server:\n  tls: {certificate: /c.pem}", file: "t.yaml") }
        #expect(throws: ConfigurationError(
            file: "t.yaml", line: 2, key: "websocket.compression", message: "expected true or false, found 'maybe'")
        ) { try ServerConfiguration.parse(yaml: "websocket:\n  compression: maybe", file: "t.yaml") }
    }

    @Test func theEnvironmentSetsTLSWithBothVariablesAndCompression() throws {
        var configuration = ServerConfiguration()
        try configuration.applyEnvironment([
            "TANDEM_TLS_CERTIFICATE": "/c.pem", "TANDEM_TLS_KEY": "/k.pem", "TANDEM_WEBSOCKET_COMPRESSION": "on",
        ])
        #expect(configuration.tls?.certificate == "/c.pem" && configuration.tls?.keySetting == "TANDEM_TLS_KEY")
        #expect(configuration.webSocketCompression)
        var half = ServerConfiguration()
        #expect(throws: ConfigurationError(
            file: "environment", line: 0, key: "TANDEM_TLS_KEY",
            message: "TLS needs both a certificate and a key (PEM file paths); TANDEM_TLS_KEY is not set")
        ) { try half.applyEnvironment(["TANDEM_TLS_CERTIFICATE": "/c.pem"]) }
    }

    /// A missing file is named with the environment variable that set it.
    @Test func aMissingFileIsNamedWithItsSetting() throws {
        var files = TLSFiles(certificate: "/nonexistent/tandem-cert.pem", key: "/nonexistent/key.pem")
        files.certificateSetting = "TANDEM_TLS_CERTIFICATE"
        #expect(throws: ConfigurationError(
            file: "/nonexistent/tandem-cert.pem", line: 0, key: "TANDEM_TLS_CERTIFICATE",
            message: "no such certificate file")
        ) { try files.serverConfiguration() }
    }
}

/// A self-signed EC certificate for `localhost` and 127.0.0.1 with its key, made by openssl for one test.
enum ThrowawayCertificate {
    static func make(in folder: URL) async throws -> (certificate: URL, key: URL) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("cert.pem")
        let key = folder.appendingPathComponent("key.pem")
        let (status, output) = try await runToCompletion(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.path, "-out", certificate.path, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
        guard status == 0 else { throw TimedOut(description: "openssl req failed: \(output)") }
        return (certificate, key)
    }
}

/// A WebSocket client on a bare TCP socket: it sees each frame as the server wrote it (RSV1 and the compressed
/// payload), sends text frames masked with a zero key, and inflates permessage-deflate payloads with one zlib
/// stream kept across messages, as a client with context takeover does.
final class RawObserver {
    let fd: Int32
    private var bytes: [UInt8] = []
    private var consumed = 0
    private(set) var head = ""
    private let inflater: ZlibDecompressor

    init(port: Int, path: String, headers: [String]) throws {
        fd = try RawHTTP.connect(port: port)
        inflater = try ZlibDecompressor(algorithm: .deflate, windowSize: 15)
        let request =
            ([
                "GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
            ] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        try write(Array(request.utf8))
        while RawWebSocket.parse(bytes) == nil { try receive() }
        head = RawWebSocket.parse(bytes)?.head ?? ""
        guard head.hasPrefix("HTTP/1.1 101") else {
            close(fd)
            throw TimedOut(description: "no upgrade: \(head)")
        }
    }

    deinit { close(fd) }

    /// The value of a response header (name in lowercase), if present.
    func header(_ name: String) -> String? {
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// Sends one text message, masked (client frames must be) with the key 0 0 0 0.
    func send(_ text: String) throws {
        let payload = Array(text.utf8)
        precondition(payload.count < 126, "short messages only")
        try write([0x81, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload)
    }

    /// The next frame (after those handed out before) whose text satisfies `predicate`, with that text (inflated
    /// when the frame is compressed); frames before it are skipped.
    func next(_ predicate: (RawWebSocket.Frame, String) -> Bool) throws -> (RawWebSocket.Frame, String) {
        while true {
            let frames = RawWebSocket.parse(bytes)?.frames ?? []
            while consumed < frames.count {
                let frame = frames[consumed]
                consumed += 1
                // Every compressed frame is inflated, in order, so the stream stays in step with the server's.
                let text = frame.rsv1 ? try inflated(frame) : frame.text
                if predicate(frame, text) { return (frame, text) }
            }
            try receive()
        }
    }

    /// The text a compressed frame carries (RFC 7692: the payload plus `00 00 ff ff`, inflated).
    private func inflated(_ frame: RawWebSocket.Frame) throws -> String {
        var input = ByteBuffer(bytes: frame.payload + [0, 0, 0xff, 0xff])
        var output = ByteBufferAllocator().buffer(capacity: 1 << 20)
        do {
            try inflater.inflate(from: &input, to: &output)
        } catch let error as CompressNIOError where error == .inputBufferOverflow {
            // zlib used all the input and wants more: the message is complete.
        }
        return String(buffer: output)
    }

    private func write(_ data: [UInt8]) throws {
        var sent = 0
        while sent < data.count {
            let count = data[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw TimedOut(description: "send failed") }
            sent += count
        }
    }

    private func receive() throws {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { throw TimedOut(description: "the server sent nothing more (\(bytes.count) bytes so far)") }
        bytes.append(contentsOf: buffer[0..<count])
    }
}
