import Foundation
import Testing

/// `tandem-load run`, the load generator of `scripts/load.sh`, as a real process against a real server: every
/// client joins, every change sent is acknowledged once to its sender and delivered once to each other client,
/// and every client closes normally — on event-loop clients (the default) and on HummingbirdWSClient
/// (`--deflate`, with the server's compression on).
@Suite struct LoadToolTests {
    @Test(arguments: [false, true])
    func everyChangeReachesEveryOtherClientOnce(deflate: Bool) async throws {
        let config = TestConfig.standard + "\nwebsocket:\n  compression: \(deflate ? "on" : "off")"
        try await withServer(config: config) { server in
            let clients = 4
            let run = try await Self.load(
                ["--url", server.baseURL, "--username", "alice", "--password", "alice-pw", "--clients", "\(clients)",
                 "--records", "1", "--duration", "2s", "--interval", "250ms"] + (deflate ? ["--deflate"] : []))
            #expect(run.status == 0, "\(run.output)\n\(run.errors)")
            #expect(run.output.contains("\(clients) of \(clients) joined"), "\(run.output)")
            let counts = Self.counts(run.output)
            let sent = try #require(counts.sent, "\(run.output)")
            // Each client sends every 250 ms for 2 s from an offset below 250 ms: 8 changes each.
            #expect(sent == clients * 8, "\(run.output)")
            #expect(counts.acks == sent, "\(run.output)")
            #expect(counts.deliveries == sent * (clients - 1), "\(run.output)")
            #expect(run.output.contains("closes: 1000=\(clients)"), "\(run.output)")
            #expect(!run.output.contains("errors:"), "\(run.output)")
        }
    }

    @Test func aServerThatIsNotThereIsAClearError() async throws {
        let run = try await Self.load(["--url", "http://127.0.0.1:9", "--clients", "1", "--duration", "1s"])
        #expect(run.status != 0)
        #expect(run.errors.contains("login at http://127.0.0.1:9 failed"), "\(run.errors)")
    }

    /// The numbers of `LoadStatistics.summary`: changes sent, acks, fan-out deliveries.
    static func counts(_ output: String) -> (sent: Int?, acks: Int?, deliveries: Int?) {
        func number(after label: String) -> Int? {
            guard let range = output.range(of: label) else { return nil }
            return Int(output[range.upperBound...].prefix { $0.isNumber })
        }
        return (number(after: "changes sent: "), number(after: "acks: "), number(after: "fan-out deliveries: "))
    }

    /// Runs `tandem-load run` to its end on a thread of its own (it blocks for the run's seconds).
    static func load(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = try ServerProcess.product("tandem-load")
                    process.arguments = ["run"] + arguments
                    let stdout = Pipe(), stderr = Pipe()
                    process.standardOutput = stdout
                    process.standardError = stderr
                    try process.run()
                    // Standard error carries a few short notes, far below a pipe's buffer: reading it second
                    // cannot block.
                    let output = stdout.fileHandleForReading.readDataToEndOfFile()
                    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return (process.terminationStatus, String(decoding: output, as: UTF8.self),
                            String(decoding: errors, as: UTF8.self))
                })
            }.start()
        }
    }
}
