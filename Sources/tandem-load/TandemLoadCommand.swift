import ArgumentParser
import Foundation
import TandemCore
import TandemRuntime

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `tandem-load`: N WebSocket clients against a running server, one change every interval each, printing
/// the p50/p90/p99 propagation (send → `model_changed` at every other client) and ack latency.
@main
struct TandemLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-load",
        abstract: "Drive N collaborators against a tandem-server and report propagation latency.",
        discussion: "Example: tandem-load --url http://127.0.0.1:8080 --clients 200 --records 20 --duration 60s. "
            + "Run it and the server as release builds for meaningful numbers; loopback only."
    )

    @Option(help: "Server base URL (http://host:port).") var url = "http://127.0.0.1:8080"
    @Option(help: "Simulated clients.") var clients = 10
    @Option(help: "Records the clients are spread over (Contact:1…N).") var records = 1
    @Option(help: "How long clients send changes (e.g. 30s, 2m).") var duration = "30s"
    @Option(help: "Time between two changes of one client.") var interval = "2s"
    @Option(help: "User to log in as (every client shares it).") var username = "editor"
    @Option(help: "Password of that user.") var password = "editor"
    @Option(help: "Seed for the clients' start offsets.") var seed: UInt64 = 1

    func run() async throws {
        guard clients > 0, clients <= 20_000, records > 0 else {
            throw ValidationError("need 1…20000 clients and 1+ records")
        }
        guard let runFor = Self.duration(duration), let every = Self.duration(interval) else {
            throw ValidationError("durations look like 500ms, 2s, 1m")
        }
        let token = try await login()
        let clock = SystemClock()
        let statistics = LoadStatistics()
        let start = clock.nowNanos()
        let deadline = start + runFor.nanosecondsClamped
        var random = SplitMix64(seed: seed)
        let wsURL =
            url.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(of: "https://", with: "wss://")
            + "/ws"
        print(
            "tandem-load: \(clients) clients on \(records) records, one change every \(interval) for \(duration) → \(wsURL)"
        )
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<clients {
                let offset = Duration.nanoseconds(Int64(random.nextDouble() * Double(every.nanosecondsClamped)))
                let client = LoadClient(
                    index: index,
                    url: wsURL,
                    token: token,
                    record: 1 + index % records,
                    interval: every,
                    firstDelay: offset,
                    deadlineNanos: deadline,
                    statistics: statistics,
                    clock: clock
                )
                group.addTask { await client.run() }
            }
        }
        print(statistics.summary(clients: clients, seconds: Double(clock.nowNanos() - start) / 1e9))
    }

    private func login() async throws -> String {
        var request = URLRequest(url: URL(string: "\(url)/api/v1/security/login")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"username":"\#(username)","password":"\#(password)","provider":"db"}"#.utf8)
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let token = (try? JSONParser().parse(String(decoding: data, as: UTF8.self)))?["access_token"]?.stringValue
        else {
            throw ValidationError("login as \(username) failed: \(String(decoding: data, as: UTF8.self))")
        }
        return token
    }

    static func duration(_ text: String) -> Duration? {
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
