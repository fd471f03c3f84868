import Foundation
import Synchronization
import TandemRedis

#if canImport(Glibc)
    import Glibc
#endif

/// A redis-server of the test's own on a free loopback port, so the test can SIGKILL it and start it again on
/// the same port.
///
/// It runs without persistence (`--save '' --appendonly no`): a restart comes back with an empty stream, the
/// harder case, in which the nodes must notice the lost entries and fill the gap from the store.
final class TestRedisServer: Sendable {
    let port: Int
    let directory: URL
    private let process = Mutex<Process?>(nil)

    var url: String { "redis://127.0.0.1:\(port)" }

    init() throws {
        guard Self.binary() != nil else {
            throw TimedOut(description: "no redis-server on PATH: run scripts/test.sh, which installs it")
        }
        port = try FreePort.loopback()
        directory = try ServerProcess.makeDirectory()
    }

    static func binary() -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(folder)/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts (or restarts) the server and waits until it answers PING.
    func start() async throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.binary() ?? "/usr/bin/redis-server")
        server.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", "redis.log",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        process.withLock { $0 = server }
        let probe = RedisCommandClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port))
        try await waitUntil("redis-server on port \(port) to answer PING") {
            guard server.isRunning else { throw TimedOut(description: "redis-server on port \(port) exited") }
            return (try? await probe.command(["PING"])) == .status("PONG")
        }
    }

    /// SIGKILLs the server (a crash: no shutdown, nothing saved) and waits until the process is gone.
    func kill() async throws {
        guard let server = process.withLock({ $0 }) else { return }
        _ = Glibc.kill(server.processIdentifier, SIGKILL)
        try await waitUntil("redis-server pid \(server.processIdentifier) to exit") { !server.isRunning }
        process.withLock { $0 = nil }
    }

    /// Kills the server if it runs and removes its folder.
    func stop() async {
        try? await kill()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A free TCP port on 127.0.0.1, found by binding port 0.
enum FreePort {
    static func loopback() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TimedOut(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw TimedOut(description: "could not bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
