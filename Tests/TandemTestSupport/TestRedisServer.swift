import Foundation
import Synchronization
import TandemLive
import TandemRedis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A redis-server of the test's own on a free loopback port, so that the test can SIGKILL it (a crash: no
/// shutdown, nothing saved beyond what `persistence` already wrote) and start it again on the same port.
///
/// The shared server of `scripts/test.sh` (`TANDEM_TEST_REDIS_URL`) serves tests that leave Redis running;
/// this one is for the tests that kill it. Needs `redis-server` on `PATH` (scripts/test.sh installs it).
public final class TestRedisServer: Sendable {
    /// What a restart after a kill finds.
    public enum Persistence: Sendable {
        /// `--save '' --appendonly no`: an empty server, the harder case, in which readers must notice the lost
        /// entries and nodes fill the gap from the store.
        case none
        /// `--appendonly yes` (no RDB snapshots): every entry Redis acknowledged survives a kill of the process.
        case appendOnlyFile
    }

    /// A redis-server that would not start or answer, or no free port.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let port: Int
    public let persistence: Persistence
    /// A fresh folder for the server's log and append-only file, removed by `stop`.
    public let directory: URL
    private let process = Mutex<Process?>(nil)

    public var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }
    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Picks the port and makes the folder; nothing runs until `start`.
    public init(persistence: Persistence = .none) throws {
        guard Self.binary() != nil else {
            throw Failure(description: "no redis-server on PATH: run scripts/test.sh, which installs it")
        }
        self.persistence = persistence
        port = try FreePort.loopback()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Runs `body` with a server of its own (started first when `started`), and stops it afterwards whether
    /// `body` threw or not.
    public static func withServer(
        persistence: Persistence = .none,
        started: Bool = true,
        _ body: (TestRedisServer) async throws -> Void
    ) async throws {
        let server = try TestRedisServer(persistence: persistence)
        do {
            if started { try await server.start() }
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func binary() -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(folder)/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts (or restarts) the server and waits until it answers PING.
    public func start() async throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.binary() ?? "/usr/bin/redis-server")
        server.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--daemonize", "no", "--save", "",
            "--appendonly", persistence == .appendOnlyFile ? "yes" : "no",
            "--dir", directory.path, "--logfile", "redis.log",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        process.withLock { $0 = server }
        let probe = RedisCommandClient(endpoint: endpoint)
        do {
            try await Self.waitUntil("redis-server on port \(port) to answer PING") {
                guard server.isRunning else { throw Failure(description: "redis-server on port \(port) exited") }
                return (try? await probe.command(["PING"])) == .status("PONG")
            }
        } catch {
            // A start that did not come up leaves nothing running, whether or not the caller stops the server
            // (a loaded machine once left one behind when PING timed out).
            try? await kill()
            throw error
        }
    }

    /// SIGKILLs the server and waits until the process is gone.
    public func kill() async throws {
        guard let server = process.withLock({ $0 }) else { return }
        sendSIGKILL(server.processIdentifier)
        try await Self.waitUntil("redis-server pid \(server.processIdentifier) to exit") { !server.isRunning }
        process.withLock { $0 = nil }
    }

    /// Kills the server if it runs and removes its folder.
    public func stop() async {
        try? await kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Polls `condition` every 5 ms for at most 10 s.
    private static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while try await !condition() {
            guard clock.now < deadline else { throw Failure(description: "timed out after 10 s waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Outside the class, whose `kill()` would hide the C function.
private func sendSIGKILL(_ pid: Int32) { _ = kill(pid, SIGKILL) }
