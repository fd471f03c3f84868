import ArgumentParser
import Foundation
import TandemLive
import TandemScenario

/// `tandem-live`: the live side of Tandem (NIO and real processes), apart from the simulator's `tandem` so the
/// simulator builds without server dependencies.
@main
struct TandemLiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-live",
        abstract: "Tandem's live mode: scenarios against real tandem-server processes, Redis and PostgreSQL.",
        discussion: "Live runs of whole scenarios are being built (issue 8); `up` stands up a scenario's topology.",
        subcommands: [Up.self]
    )
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
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.loadFile(path: file)
        } catch {
            FileHandle.standardError.write(Data("tandem-live: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let binary = try Self.serverBinary(serverBinary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stopRequested = SignalWatch.start()
        let cluster: LiveCluster
        do {
            cluster = try await LiveCluster.up(
                scenario, seed: seed ?? scenario.seed, serverBinary: binary, databaseURL: databaseURL,
                directory: directory
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
        say("login: \(cluster.username) / \(cluster.password) (Editor), live-admin / same password (Admin)")
        say("files: \(directory.path)")
        say("ready")
        let signal = await stopRequested.first()
        say("tandem-live: signal \(signal): stopping everything")
        await cluster.down()
        try? FileManager.default.removeItem(at: directory)
        throw ExitCode(128 + signal)
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

/// One line on standard output, unbuffered (a harness waits for `ready`).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
