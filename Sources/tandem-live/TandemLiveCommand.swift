import ArgumentParser
import Foundation
import TandemLive
import TandemReport
import TandemScenario
import TandemSim

/// `tandem-live`: the live side of Tandem (NIO and real processes), apart from the simulator's `tandem` so the
/// simulator builds without server dependencies.
@main
struct TandemLiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-live",
        abstract: "Tandem's live mode: scenarios against real tandem-server processes, Redis and PostgreSQL.",
        discussion: """
            `run` plays scenarios against real processes and writes the same reports as the simulator (mode: live);             `up` stands a scenario's topology up and keeps it up. Exit codes: 0 every check and threshold met, 1 a             threshold or checker failed, 2 bad input or a part that would not start.
            """,
        subcommands: [Run.self, Up.self, Calibrate.self],
        defaultSubcommand: Run.self
    )
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenarios live and write their reports (OUT/<scenario>/<seed>/report.{json,md,html}).",
        discussion: """
            Each scenario's topology runs as real processes (tandem-server nodes; several nodes: redis-server and a \
            throwaway PostgreSQL), every user is a real WebSocket driven by the simulator's client code on the wall \
            clock, faults happen for real (SIGKILL, fault proxies, RST), and the simulator's checkers judge the real \
            database. Everything started is stopped at the end, on failure and on Ctrl-C.
            """
    )

    @Argument(help: "A scenario file, or a folder of them.") var path: String
    @Option(help: "Seed for every scenario (default: each file's own seed).") var seed: UInt64?
    @Option(help: "Where reports go.") var out = "Reports"
    @Option(help: "Use this PostgreSQL instead of starting one (several nodes).") var databaseURL: String?
    @Option(help: "The tandem-server binary (default: next to this one).") var serverBinary: String?
    @Flag(help: "No progress lines.") var quiet = false
    @Option(help: "Run at this many users (every group scaled in proportion, ramps too), as `tandem capacity` does.")
    var users: Int?
    @Option(help: "Run on this many nodes.") var nodes: Int?
    @Option(help: ArgumentHelp(
        "Servers someone else runs: http://host:port[,…], one per node, instead of starting them.",
        discussion: "Every scenario user (group-N) must exist there with --password; --database-url names the "
            + "database the checkers read. Faults that need process control or the fault proxies are refused."))
    var target: String?
    @Option(help: "With --target: the scenario users' password.") var password: String?
    @Option(help: "With --target: the administrator (DELETE, the checkers' probes).") var adminUser = "live-admin"
    @Option(help: "With --target: the administrator's password (default: --password).") var adminPassword: String?
    @Option(help: ArgumentHelp(
        "With --target: play only the I-th of N equal slices of the users (user i is in shard i % N + 1).",
        discussion: "Each shard writes OUT/<scenario>/<seed>/shard-I-of-N/ with its own report and partial.json; "
            + "`tandem merge` puts the shards together into the whole run's report."))
    var shard: String?
    @Option(help: ArgumentHelp(
        "When the schedule starts, the same for every shard: Unix seconds or ISO 8601 (2026-12-01T20:00:00Z).",
        discussion: "Required with --shard N > 1, e.g. --start-at $(date -d '+2 min' +%s); leave time for logins."))
    var startAt: String?
    @Flag(help: "Broken servers: acknowledge changes before storing them (the lost-write checker must fail).")
    var ackBeforePersist = false
    @Flag(help: "Broken servers: never expire silent connections (the presence-ghost checker must fail).")
    var noPresenceExpiry = false

    func validate() throws {
        if target != nil {
            guard password != nil else { throw ValidationError("--target needs --password (the scenario users')") }
            guard databaseURL != nil else {
                throw ValidationError("--target needs --database-url: the checkers read the servers' database")
            }
            guard !ackBeforePersist && !noPresenceExpiry else {
                throw ValidationError("the broken-server switches apply to servers this tool starts, not to --target")
            }
        } else if password != nil || adminPassword != nil {
            throw ValidationError("--password and --admin-password go with --target")
        }
        let shard = try parsedShard()
        if let shard {
            guard target != nil else {
                throw ValidationError("--shard \(shard) needs --target: every shard runs against the same servers")
            }
            guard shard.count == 1 || startAt != nil else {
                throw ValidationError("--shard \(shard) needs --start-at, the same for every shard, so they begin "
                                      + "together (e.g. --start-at $(date -d '+2 min' +%s))")
            }
        }
        _ = try parsedStartAt()
    }

    func parsedShard() throws -> Shard? {
        guard let shard else { return nil }
        do { return try Shard(parsing: shard) } catch { throw ValidationError(error.description) }
    }

    func parsedStartAt() throws -> Date? {
        guard let startAt else { return nil }
        if let seconds = Double(startAt) { return Date(timeIntervalSince1970: seconds) }
        if let date = ISO8601DateFormatter().date(from: startAt) { return date }
        throw ValidationError("--start-at \(startAt): expected Unix seconds or ISO 8601 (2026-12-01T20:00:00Z)")
    }

    func run() async throws {
        let scenarios = try loadScenarios(path).map { scenario in
            do {
                return try scenario.resized(users: users, nodes: nodes)
            } catch {
                note("tandem-live: \(scenario.file): --users/--nodes: \(error)")
                throw ExitCode(2)
            }
        }
        let binary = target == nil ? try Up.locateServer(serverBinary) : URL(fileURLWithPath: "/nonexistent")
        let stop = SignalWatch.start()
        var failed = false
        for scenario in scenarios {
            for warning in scenario.heartbeatWarnings { note("warning: \(scenario.file): \(warning)") }
            var options = LiveRunOptions(serverBinary: binary)
            options.seed = seed
            options.databaseURL = databaseURL
            if let target, let password, let databaseURL {
                options.external = ExternalTargets(
                    urls: target.split(separator: ",").map { String($0) }, password: password, adminUsername: adminUser,
                    adminPassword: adminPassword, databaseURL: databaseURL)
            }
            if ackBeforePersist { options.serverEnvironment["TANDEM_BROKEN_ACK_BEFORE_PERSIST"] = "1" }
            if noPresenceExpiry { options.serverEnvironment["TANDEM_BROKEN_NO_PRESENCE_EXPIRY"] = "1" }
            options.stopRequested = { stop.received }
            options.shard = try parsedShard()
            options.startAt = try parsedStartAt()
            let name = scenario.name
            if !quiet { options.progress = { line in note("\(name): \(line)") } }
            let result: LiveRunResult
            do {
                result = try await LiveRun.run(scenario, options: options)
            } catch {
                note("tandem-live: \(scenario.name): \(error)")
                if let signal = stop.receivedSignal { throw ExitCode(128 + signal) }
                throw ExitCode(2)
            }
            let report = result.report
            var folder = URL(fileURLWithPath: out).appendingPathComponent(report.identity.scenarioName)
                .appendingPathComponent(String(report.identity.seed))
            if let partial = result.partial {
                folder = folder.appendingPathComponent("shard-\(partial.shard.index)-of-\(partial.shard.count)")
            }
            do {
                _ = try ReportWriter.write(report, to: folder)
                try result.partial?.write(to: folder)
            } catch {
                note("tandem-live: cannot write the report to \(folder.path): \(error)")
                throw ExitCode(2)
            }
            say(report.summaryLine + (result.partial.map { " (shard \($0.shard): its users only; merge the shards with "
                + "tandem merge)" } ?? ""))
            say("  report: \(folder.path)/report.html")
            for reason in report.failureReasons() { say("  ✗ \(reason)") }
            if !report.passed { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a scenario's topology as real processes and keep it up until Ctrl-C.",
        discussion: """
            One node: tandem-server on SQLite. Several: a redis-server (Streams) and a throwaway PostgreSQL \
            (initdb), or --database-url. Every link a fault can cut goes through a fault proxy carrying the \
            scenario's link latency. Prints each node's client URL and the login, then 'ready'. Ctrl-C (or \
            SIGTERM) stops everything it started and exits 130.
            """
    )

    @Argument(help: "The scenario file (YAML).") var file: String
    @Option(help: "Seed for the proxies' latency draws and the live password (default: the scenario's).")
    var seed: UInt64?
    @Option(help: "Use this PostgreSQL instead of starting one (several nodes).") var databaseURL: String?
    @Option(help: "The tandem-server binary (default: next to this one).") var serverBinary: String?

    func run() async throws {
        guard let scenario = try loadScenarios(file).first else { throw ExitCode(2) }
        let binary = try Self.locateServer(serverBinary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stopRequested = SignalWatch.start()
        let cluster: LiveCluster
        do {
            cluster = try await LiveCluster.up(
                scenario, seed: seed ?? scenario.seed, serverBinary: binary, databaseURL: databaseURL,
                directory: directory, users: ScenarioMember.all(of: scenario, seed: seed ?? scenario.seed).map(\.username)
            ) { line in say("tandem-live: \(line)") }
        } catch {
            FileHandle.standardError.write(Data("tandem-live: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for node in cluster.nodes {
            say("\(node.id): clients \(node.clientURL) (through the fault proxy), server \(node.server.baseURL), "
                  + "pid \(node.server.process?.pid ?? 0)")
        }
        if let redis = cluster.redis { say("redis: \(redis.url), pid \(redis.process.pid)") }
        if let postgres = cluster.postgres { say("postgres: \(postgres.url), pid \(postgres.pid ?? 0)") }
        say("login: \(cluster.username) / \(cluster.password) (Editor), live-admin / same password (Admin), and every "
            + "scenario user (group-N) / same password (Editor)")
        say("store: \(cluster.storeURL)")
        say("run against it: tandem-live run \(file) --target "
            + cluster.nodes.map(\.clientURL).joined(separator: ",")
            + " --password \(cluster.password) --database-url \(cluster.storeURL)")
        say("files: \(directory.path)")
        say("ready")
        let signal = await stopRequested.first()
        say("tandem-live: signal \(signal): stopping everything")
        await cluster.down()
        try? FileManager.default.removeItem(at: directory)
        throw ExitCode(128 + signal)
    }

    /// The server binary, or a one-line error and exit 2.
    static func locateServer(_ given: String?) throws -> URL {
        do {
            return try serverBinary(given)
        } catch {
            note("tandem-live: \(error)")
            throw ExitCode(2)
        }
    }

    static func serverBinary(_ given: String?) throws -> URL {
        if let given {
            guard FileManager.default.isExecutableFile(atPath: given) else {
                throw ValidationError("--server-binary \(given) is not an executable file")
            }
            return URL(fileURLWithPath: given)
        }
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let sibling = own.deletingLastPathComponent().appendingPathComponent("tandem-server")
        guard FileManager.default.isExecutableFile(atPath: sibling.path) else {
            throw ValidationError(
                "no tandem-server next to \(own.path): build it (swift build --product tandem-server) "
                    + "or pass --server-binary"
            )
        }
        return sibling
    }
}

/// The scenarios of a file or folder; a loading problem is one `file:line:column` message and exit 2.
func loadScenarios(_ path: String) throws -> [Scenario] {
    do {
        return try ScenarioLoader.load(path: path)
    } catch {
        note("tandem-live: \(error)")
        throw ExitCode(2)
    }
}

/// One line on standard error (progress and problems).
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// One line on standard output, unbuffered (a harness waits for `ready`).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
