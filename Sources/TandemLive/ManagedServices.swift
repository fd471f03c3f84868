import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `redis-server` of the run's own on a free loopback port, nothing persisted.
public final class ManagedRedis: Sendable {
    public let port: Int
    public let process: ManagedProcess
    public var url: String { "redis://127.0.0.1:\(port)" }

    private init(port: Int, process: ManagedProcess) {
        self.port = port
        self.process = process
    }

    public static func start(in directory: URL) async throws -> ManagedRedis {
        guard let binary = ProgramLocator.find("redis-server") else {
            throw ManagedProcess.Failure("no redis-server on PATH: install it (apt-get install redis-server)")
        }
        let port = try FreePort.loopback()
        let process = try ManagedProcess(
            name: "redis-server",
            executable: binary,
            arguments: [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory.path, "--logfile", "",
            ],
            logFile: directory.appendingPathComponent("redis.log")
        )
        try await process.waitForLine(containing: "Ready to accept connections")
        return ManagedRedis(port: port, process: process)
    }

    public func stop() async { await process.stop() }
}

/// A throwaway PostgreSQL cluster: `initdb` in a folder of the run's, the server on a free loopback port,
/// stopped (and its folder left to the caller) by `stop`. As root it runs as the `postgres` user, since
/// PostgreSQL refuses root.
public final class ManagedPostgres: Sendable {
    public let port: Int
    public let dataDirectory: URL
    private let bin: URL
    private let asPostgresUser: Bool
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    private init(port: Int, dataDirectory: URL, bin: URL, asPostgresUser: Bool) {
        self.port = port
        self.dataDirectory = dataDirectory
        self.bin = bin
        self.asPostgresUser = asPostgresUser
    }

    /// The postmaster's pid, from `postmaster.pid`, while it runs.
    public var pid: Int32? {
        let file = dataDirectory.appendingPathComponent("postmaster.pid")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0) }
    }

    public static func start(in directory: URL) async throws -> ManagedPostgres {
        guard let initdb = ProgramLocator.find("initdb", extraFolders: ProgramLocator.postgresFolders) else {
            throw ManagedProcess.Failure("no initdb: install PostgreSQL (apt-get install postgresql)")
        }
        let bin = initdb.deletingLastPathComponent()
        let root = getuid() == 0
        let folder = directory.appendingPathComponent("postgres")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if root {
            // The cluster's folder and the run's folder above it must be reachable by `postgres`.
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: folder.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        }
        let data = folder.appendingPathComponent("data")
        let port = try FreePort.loopback()
        let postgres = ManagedPostgres(port: port, dataDirectory: data, bin: bin, asPostgresUser: root)
        try await postgres.run(
            "initdb",
            ["-D", data.path, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            log: folder.appendingPathComponent("initdb.log")
        )
        try await postgres.run(
            "pg_ctl",
            [
                "-D", data.path, "-l", folder.appendingPathComponent("postgres.log").path, "-w", "-t", "60",
                // The socket goes to /tmp (named by the port, which is ours): a path under a deep run folder can
                // pass the 107 bytes a Unix socket path may have, and the postmaster would not start.
                "-o", "-p \(port) -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off "
                    + "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            ],
            log: folder.appendingPathComponent("pg_ctl.log")
        )
        return postgres
    }

    /// Stops the server (fast shutdown); kills the postmaster if that did not work.
    public func stop() async {
        let pid = self.pid
        try? await run("pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "30", "stop"],
                       log: dataDirectory.deletingLastPathComponent().appendingPathComponent("pg_ctl-stop.log"))
        if let pid, kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    /// Runs one PostgreSQL program to completion (as `postgres` when root); fails with its log's tail.
    private func run(_ program: String, _ arguments: [String], log: URL) async throws {
        let executable = bin.appendingPathComponent(program)
        var command = [executable.path] + arguments
        if asPostgresUser, let runuser = ProgramLocator.find("runuser", extraFolders: ["/usr/sbin", "/sbin"]) {
            command = [runuser.path, "-u", "postgres", "--"] + command
        }
        let status = try await SpawnedCommand.run(command, log: log, timeout: .seconds(120))
        guard status == 0 else {
            let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5)
            throw ManagedProcess.Failure(
                "\(program) failed with status \(status); log \(log.path) ends: \(tail.joined(separator: " | "))"
            )
        }
    }
}

/// A short command run to completion with `posix_spawn`, its output in a log file.
///
/// Not Foundation's `Process`: on Linux it learns that a child ended when a socket the child inherited is
/// closed, and `pg_ctl start` leaves a daemon holding it, so the command would never seem to end.
enum SpawnedCommand {
    static func run(_ command: [String], log: URL, timeout: Duration) async throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var arguments = command.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, &arguments, environ)
        guard spawned == 0 else {
            throw ManagedProcess.Failure("cannot start \(command[0]): \(String(cString: strerror(spawned)))")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            guard clock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw ManagedProcess.Failure("\(command[0]) did not finish in \(timeout); log \(log.path)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// One `tandem-server` node of a live run, on a fixed loopback port (so a restart after a crash comes back
/// where its clients and proxy expect it), with a configuration the runner writes.
public final class ManagedServerNode: Sendable {
    public let name: String
    public let port: Int
    public let configFile: URL
    public let directory: URL
    private let binary: URL
    /// Added to the server's environment on every start.
    private let environment: [String: String]
    /// How long a start may take (a node seeding thousands of users takes longer).
    private let readyTimeout: Duration
    private let current: LockedProcess

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var process: ManagedProcess? { current.value }

    private init(
        name: String, port: Int, configFile: URL, directory: URL, binary: URL, environment: [String: String],
        readyTimeout: Duration
    ) {
        self.environment = environment
        self.readyTimeout = readyTimeout
        self.name = name
        self.port = port
        self.configFile = configFile
        self.directory = directory
        self.binary = binary
        self.current = LockedProcess()
    }

    /// Writes `config` (YAML; `{{PORT}}` becomes the node's port) and starts the node.
    public static func start(
        name: String,
        binary: URL,
        config: String,
        in directory: URL,
        environment: [String: String] = [:],
        readyTimeout: Duration = .seconds(30)
    ) async throws -> ManagedServerNode {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try FreePort.loopback()
        let file = directory.appendingPathComponent("tandem.yaml")
        try config.replacingOccurrences(of: "{{PORT}}", with: String(port))
            .write(to: file, atomically: true, encoding: .utf8)
        let node = ManagedServerNode(name: name, port: port, configFile: file, directory: directory, binary: binary,
                                     environment: environment, readyTimeout: readyTimeout)
        try await node.start()
        return node
    }

    /// Starts (or restarts) the process and waits until it listens.
    public func start() async throws {
        let runs = current.startCount
        let process = try ManagedProcess(
            name: "tandem-server \(name)",
            executable: binary,
            arguments: ["serve", "--config", configFile.path],
            environment: environment.merging(["TANDEM_PORT": String(port)]) { _, port in port },
            logFile: directory.appendingPathComponent("server-\(runs + 1).log")
        )
        current.set(process)
        try await process.waitForLine(containing: "tandem-server listening on", timeout: readyTimeout)
    }

    /// A crash: SIGKILL, no goodbye to anyone.
    public func crash() async {
        guard let process = current.value else { return }
        process.signal(SIGKILL)
        _ = await process.waitForExit(timeout: .seconds(10))
    }

    public func stop() async { await current.value?.stop() }
}

/// The node's current process and how many it has had.
private final class LockedProcess: Sendable {
    private let state = Mutex<(process: ManagedProcess?, count: Int)>((nil, 0))

    var value: ManagedProcess? { state.withLock { $0.process } }
    var startCount: Int { state.withLock { $0.count } }

    func set(_ new: ManagedProcess) {
        state.withLock {
            $0.process = new
            $0.count += 1
        }
    }
}
