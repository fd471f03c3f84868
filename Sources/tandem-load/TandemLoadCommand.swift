import ArgumentParser
import Foundation
import NIOPosix
import TandemCore
import TandemRuntime

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `tandem-load`: the client side of a running server. `run` (the default) drives N collaborators and reports
/// propagation latency; `connect` is one interactive collaborator (log in, join, see every frame, type frames).
@main
struct TandemLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-load",
        abstract: "Clients for running tandem-server nodes: a load generator and an interactive connection.",
        subcommands: [LoadRunCommand.self, ConnectCommand.self],
        defaultSubcommand: LoadRunCommand.self
    )
}

/// `tandem-load [run]`: N WebSocket clients against one or more running servers, one change every interval each,
/// printing the p50/p90/p99 propagation (send → `model_changed` at every other client), the ack latency and the
/// fan-out deliveries per second.
struct LoadRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive N collaborators against tandem-server nodes and report propagation latency.",
        discussion: "Example: tandem-load --url http://127.0.0.1:8080 --clients 250 --records 1 --duration 60s. "
            + "Several nodes: --url http://127.0.0.1:8081,http://127.0.0.1:8082 (clients alternate between them). "
            + "Clients connect and join first; the sending window starts when all have joined. "
            + "Run it and the server as release builds for meaningful numbers; loopback only."
    )

    @Option(help: "Server base URL(s), comma-separated (http://host:port[,http://host:port…]).")
    var url = "http://127.0.0.1:8080"
    @Option(help: "Simulated clients (1…20000).") var clients = 10
    @Option(help: "Records the clients are spread over (Contact:1…N).") var records = 1
    @Option(help: "How long clients send changes (e.g. 30s, 2m).") var duration = "30s"
    @Option(help: "Time between two changes of one client (e.g. 2s, 500ms).") var interval = "2s"
    @Option(help: "User to log in as (every client shares it).") var username = "editor"
    @Option(help: "Password of that user.") var password = "editor"
    @Option(help: "Seed for the clients' start offsets.") var seed: UInt64 = 1
    @Option(help: "Longest wait for every client to connect and join before sending starts anyway.")
    var joinTimeout = "60s"
    @ArgumentParser.Flag(help: "Offer permessage-deflate (the server's websocket.compression decides whether it is used).")
    var deflate = false
    @Option(help: "0: each change sets age to a number; N: sets settings to {\"text\": …} of about N bytes of prose.")
    var valueBytes = 0
    @Option(help: "Event loop threads the clients share (their sockets, frames and timers all run there; not with --deflate).")
    var threads = 1

    func run() async throws {
        guard clients > 0, clients <= 20_000, records > 0, (0...1_000_000).contains(valueBytes) else {
            throw ValidationError("need 1…20000 clients, 1+ records and --value-bytes 0…1000000")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads takes 1…64") }
        guard let runFor = Duration.parse(duration), let every = Duration.parse(interval),
            let joinWait = Duration.parse(joinTimeout)
        else { throw ValidationError("durations look like 500ms, 2s, 1m") }
        let bases = url.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        var tokens: [String] = []
        for base in bases {
            tokens.append(try await Login.accessToken(base: base, username: username, password: password))
        }
        let clock = SystemClock()
        let statistics = LoadStatistics(clients: clients)
        let gate = StartGate(expectedCount: clients, clock: clock)
        let connectingSince = clock.nowNanos()
        var random = SplitMix64(seed: seed)
        let socketURLs = bases.map(Login.socketURL)
        let addresses = try bases.map(Login.hostAndPort)
        if !deflate, let secure = bases.first(where: { $0.hasPrefix("https://") }) {
            throw ValidationError(
                "\(secure): the event-loop clients speak plain ws:// (loopback); --deflate runs them on "
                    + "HummingbirdWSClient, which also speaks wss://")
        }
        // Without --deflate every client lives on an event loop of this group (LoopClient); with it, on
        // HummingbirdWSClient (LoadClient), which inflates.
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        print(
            "tandem-load: \(clients) clients on \(records) records, one change every \(interval) for \(duration) → "
                + socketURLs.joined(separator: ", ")
        )
        // Opens the gate for the clients that did join when some never do.
        let joinDeadline = Task {
            try? await clock.sleep(for: joinWait)
            await gate.open()
        }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<clients {
                let offset = Duration.nanoseconds(Int64(random.nextDouble() * Double(every.nanosecondsClamped)))
                let address = addresses[index % addresses.count]
                let plan = LoadPlan(
                    index: index, host: address.host, port: address.port, token: tokens[index % tokens.count],
                    record: 1 + index % records, interval: every, firstDelay: offset, runFor: runFor,
                    valueBytes: valueBytes)
                if deflate {
                    let client = LoadClient(plan: plan, url: socketURLs[index % socketURLs.count], gate: gate,
                                            statistics: statistics, clock: clock, deflate: true)
                    group.addTask { await client.run() }
                } else {
                    group.addTask {
                        await LoopClient.run(plan, group: eventLoops, gate: gate, statistics: statistics, clock: clock)
                    }
                }
            }
            let started = await gate.started()
            print(
                "tandem-load: \(await gate.arrived) of \(clients) joined in "
                    + String(format: "%.2f s", Double(started - connectingSince) / 1e9) + "; sending"
            )
            await group.waitForAll()
        }
        joinDeadline.cancel()
        try? await eventLoops.shutdownGracefully()
        let seconds = Double(runFor.nanosecondsClamped) / 1e9
        print(statistics.summary(clients: clients, joined: await gate.arrived, seconds: seconds))
    }

}

extension Duration {
    /// `500ms`, `2s` or `1m`, as the options take them; nil for anything else.
    static func parse(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isNumber }
        guard let value = Int64(digits) else { return nil }
        switch text.dropFirst(digits.count) {
        case "ms": return .milliseconds(value)
        case "s": return .seconds(value)
        case "m": return .seconds(value * 60)
        default: return nil
        }
    }
}
