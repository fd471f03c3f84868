import Foundation
import Synchronization
import TandemRedis

#if canImport(Glibc)
    import Glibc
#endif

func environmentValue(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }

func processID() -> Int32 { getpid() }

/// A redis-server this test starts on a free loopback port and kills by pid (SIGKILL, like a crash).
///
/// It runs with `--appendonly yes` (and no RDB snapshots) in a fresh directory, so acknowledged entries
/// survive a kill and a restart on the same port.
final class TestRedisServer: Sendable {
    let port: Int
    let directory: String
    private let process: Mutex<Process?>

    init() throws {
        port = try Self.freePort()
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("tandem-redis-\(getpid())-\(port)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process = Mutex(nil)
    }

    var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }

    /// Starts (or restarts) the server and waits until it answers PING.
    func start() async throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "redis-server", "--port", "\(port)", "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "yes", "--dir", directory, "--daemonize", "no", "--logfile", "redis.log",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        process.withLock { $0 = server }
        let probe = RedisCommandClient(endpoint: endpoint)
        try await waitUntil("redis-server on port \(port) answers PING") {
            (try? await probe.command(["PING"])) == .status("PONG")
        }
    }

    /// Kills the server with SIGKILL and waits until the process is gone.
    func kill() async throws {
        guard let server = process.withLock({ $0 }) else { return }
        _ = Glibc.kill(server.processIdentifier, SIGKILL)
        try await waitUntil("redis-server pid \(server.processIdentifier) exited") { !server.isRunning }
        process.withLock { $0 = nil }
    }

    /// Kills the server if it runs and removes its directory.
    func stop() async {
        try? await kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func freePort() throws -> Int {
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

/// Runs `body` with a redis-server of its own and kills it afterwards, whether `body` threw or not.
func withTestRedisServer(started: Bool, _ body: (TestRedisServer) async throws -> Void) async throws {
    let server = try TestRedisServer()
    do {
        if started { try await server.start() }
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
