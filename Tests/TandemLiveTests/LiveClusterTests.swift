import Foundation
import TandemCoreTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `tandem-live up` as an engineer runs it: real tandem-server nodes, a real redis-server and a throwaway
/// PostgreSQL, reachable through the fault proxies, and nothing left running after Ctrl-C.
@Suite(.timeLimit(.minutes(3)))
struct LiveClusterTests {
    static let twoNodes = """
        name: live-two-nodes
        seed: 5
        duration: 10s
        topology:
          nodes: 2
          broker: {kind: redis-streams}
          links:
            client_node: {latency: {fixed: 5ms}}
        models:
          - name: Note
            fields: {title: string}
        population:
          - group: writers
            users: 2
            records: {model: Note, count: 1}
            behavior:
              actions: {set_field: 1}
        phases:
          - steady: 10s
        """

    @Test func upServesEveryNodeThroughItsProxyAndCtrlCStopsEverything() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("two.yaml")
        try Self.twoNodes.write(to: file, atomically: true, encoding: .utf8)
        let run = try Self.start(["up", file.path])
        try await waitUntil("tandem-live to say ready; it said: \(run.output())", timeout: .seconds(120)) {
            run.output().contains("\nready\n") || !run.process.isRunning
        }
        let output = run.output()
        #expect(run.process.isRunning, "\(output)")
        let urls = Self.matches(#"clients (http://127\.0\.0\.1:\d+)"#, in: output)
        let pids = Self.matches(#"pid (\d+)"#, in: output).compactMap { Int32($0) }
        #expect(urls.count == 2, "\(output)")
        #expect(pids.count == 4, "two nodes, redis-server and the postmaster: \(output)")
        let password = try #require(Self.matches(#"login: live / ([0-9a-f]+)"#, in: output).first)
        for (index, url) in urls.enumerated() {
            let health = try await Self.request("GET", "\(url)/healthz")
            #expect(health.contains(#""node_id":"node-\#(index + 1)""#), "\(health)")
            let login = try await Self.request(
                "POST", "\(url)/api/v1/security/login",
                body: #"{"username":"live","password":"\#(password)","provider":"db"}"#
            )
            #expect(login.contains("access_token"), "\(login)")
        }
        kill(run.process.processIdentifier, SIGINT)
        try await waitUntil("tandem-live to exit", timeout: .seconds(60)) { !run.process.isRunning }
        #expect(run.process.terminationStatus == 130)
        for pid in pids {
            // A process that ended but whose parent has not reaped it yet is a zombie: gone for this purpose.
            try await waitUntil("process \(pid) to be gone (\(Self.state(of: pid)))", timeout: .seconds(10)) {
                let state = Self.state(of: pid)
                return state == "gone" || state == "Z"
            }
        }
    }

    @Test func badInputIsAOneLineErrorAndExit2() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try Self.start(["up", folder.appendingPathComponent("nope.yaml").path])
        try await waitUntil("tandem-live to exit") { !missing.process.isRunning }
        #expect(missing.process.terminationStatus == 2)
        #expect(missing.errors().contains("nope.yaml"), "\(missing.errors())")

        let pubsub = folder.appendingPathComponent("pubsub.yaml")
        try Self.twoNodes.replacingOccurrences(of: "redis-streams", with: "redis-pubsub")
            .write(to: pubsub, atomically: true, encoding: .utf8)
        let refused = try Self.start(["up", pubsub.path])
        try await waitUntil("tandem-live to exit") { !refused.process.isRunning }
        #expect(refused.process.terminationStatus == 2)
        #expect(refused.errors().contains("topology.broker") && refused.errors().contains("redis-pubsub"),
                "\(refused.errors())")
        #expect(!refused.output().contains("starting"), "refused before anything started")
    }

    // MARK: Helpers

    final class Run: Sendable {
        let process: Process
        let stdout: URL
        let stderr: URL
        init(process: Process, stdout: URL, stderr: URL) {
            self.process = process
            self.stdout = stdout
            self.stderr = stderr
        }
        func output() -> String { (try? String(contentsOf: stdout, encoding: .utf8)) ?? "" }
        func errors() -> String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }

        /// Waits for the run to exit. If it has not within `timeout`, stops it as an engineer would, with Ctrl-C
        /// (SIGINT: the run stops every server, Redis and PostgreSQL it started), waits for that, SIGKILLs it as a
        /// last resort, and throws: a run that hangs must not leave its children behind for the next tests.
        func end(_ what: String, within timeout: Duration) async throws {
            do {
                try await waitUntil("\(what) to end", timeout: timeout) { !process.isRunning }
            } catch {
                interrupt()
                try? await waitUntil("\(what) to stop after SIGINT", timeout: .seconds(60)) { !process.isRunning }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                throw error
            }
        }

        private func interrupt() {
            if process.isRunning { kill(process.processIdentifier, SIGINT) }
        }

        /// A test that throws before the run ends still stops it (SIGINT, so its children are stopped too).
        deinit { interrupt() }
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-live-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts `tandem-live` (found next to the test bundle) with its output in files; `environment` is added to
    /// this process's own.
    static func start(_ arguments: [String], environment: [String: String] = [:], binary: String = "tandem-live")
        throws -> Run
    {
        let folder = try folder()
        let stdout = folder.appendingPathComponent("stdout"), stderr = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = try product(binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return Run(process: process, stdout: stdout, stderr: stderr)
    }

    static func product(_ name: String) throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw TimedOut(description: "no \(name) binary near the tests: run `swift build --product \(name)` first")
    }

    /// A process's state letter from /proc (`R`, `S`, `Z` …), or `gone`.
    static func state(of pid: Int32) -> String {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return "gone" }
        return String(stat[stat.index(close, offsetBy: 2)...].prefix(1))
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    static func request(_ method: String, _ url: String, body: String? = nil) async throws -> String {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 15
        if let body { request.httpBody = Data(body.utf8) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return String(decoding: data, as: UTF8.self)
    }
}
