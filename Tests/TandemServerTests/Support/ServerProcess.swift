import Foundation
import Synchronization
import TandemLive
import TandemCoreTestSupport

/// A real `tandem-server` child process on a free port, with its own temporary folder for config and data.
///
/// The binary is found next to the test bundle (`swift build --product tandem-server` puts it there; `swift
/// test` builds it too, as a product of the package) or at `$TANDEM_SERVER_BINARY`. The server is started
/// with port 0 and announces the bound port on stdout; `start` waits for that line and then for `/healthz`.
final class ServerProcess: Sendable {
    let directory: URL
    let port: Int
    /// The CA certificate (PEM) of a server started with TLS (`start(tlsCertificate:)`); nil: plain HTTP.
    let tlsCertificate: URL?
    private let process: Mutex<Process>
    private let output: OutputBuffer

    /// `https://localhost:PORT` with TLS (the throwaway certificate names `localhost`), else plain HTTP on 127.0.0.1.
    var baseURL: String { tlsCertificate == nil ? "http://127.0.0.1:\(port)" : "https://localhost:\(port)" }
    var webSocketURL: String { tlsCertificate == nil ? "ws://127.0.0.1:\(port)/ws" : "wss://localhost:\(port)/ws" }
    var pid: Int32 { process.withLock { $0.processIdentifier } }
    var isRunning: Bool { process.withLock { $0.isRunning } }

    private init(directory: URL, port: Int, tlsCertificate: URL?, process: sending Process, output: OutputBuffer) {
        self.directory = directory
        self.port = port
        self.tlsCertificate = tlsCertificate
        self.process = Mutex(process)
        self.output = output
    }

    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["TANDEM_SERVER_BINARY"] { return URL(fileURLWithPath: path) }
        return try product("tandem-server")
    }

    /// An executable of this package, found next to the test bundle (`swift build` puts every product there).
    static func product(_ name: String) throws -> URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw TimedOut(description: "no \(name) binary near \(runner.path): run `swift build --product \(name)` first")
    }

    static func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-server-test-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts a server with `config` (YAML; `{{DATA}}` becomes the data folder; nil: no `--config`, the
    /// environment alone) in `directory` (new if nil), with `arguments` after `serve` and `environment` added.
    /// `tlsCertificate`: the server serves TLS with this certificate (its config says so); the health check then
    /// goes over https with curl, trusting only that certificate.
    static func start(
        config: String? = TestConfig.standard,
        directory: URL? = nil,
        arguments: [String] = [],
        environment extra: [String: String] = [:],
        startTimeout: Duration = .seconds(30),
        tlsCertificate: URL? = nil
    ) async throws -> ServerProcess {
        let folder = try directory ?? makeDirectory()
        var configArguments: [String] = []
        if let config {
            let configFile = folder.appendingPathComponent("tandem.yaml")
            try config.replacingOccurrences(of: "{{DATA}}", with: folder.appendingPathComponent("data").path)
                .write(to: configFile, atomically: true, encoding: .utf8)
            configArguments = ["--config", configFile.path]
        }
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["serve"] + configArguments + ["--exit-with-parent"] + arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TANDEM_") }
        environment["TANDEM_PORT"] = "0"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let output = OutputBuffer()
        let stdout = Pipe()
        process.standardOutput = stdout
        let stderrFile = folder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        // At the end of the output (the process is gone) the handler lets go of its dispatch source: left in place, it
        // is called again and again with nothing, and a source still registered when the handle closes its descriptor
        // is a known crash of libdispatch on Linux (`_dispatch_event_loop_drain`, seen once in this suite).
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(data) }
        }
        try process.run()
        let pid = process.processIdentifier
        let port = try await waitFor(
            "server \(pid) to announce its port (log: \(stderrFile.path))",
            timeout: startTimeout
        ) {
            if let port = output.announcedPort { return port }
            guard kill(pid, 0) == 0 else {
                throw TimedOut(description: "server \(pid) exited at start (log: \(stderrFile.path))")
            }
            return nil
        }
        let server = ServerProcess(
            directory: folder, port: port, tlsCertificate: tlsCertificate, process: process, output: output)
        try await waitUntil("GET /healthz on port \(port)") {
            if tlsCertificate != nil { return (try? await server.curl(["\(server.baseURL)/healthz"]))?.status == 200 }
            return (try? await HTTP.request("GET", "\(server.baseURL)/healthz"))?.status == 200
        }
        return server
    }

    /// curl with `arguments` (a URL among them), trusting only this server's certificate: the HTTP status and the body.
    func curl(_ arguments: [String]) async throws -> (status: Int, body: String) {
        var options = ["-sS", "--max-time", "10", "-w", "\n%{http_code}"]
        if let tlsCertificate { options += ["--cacert", tlsCertificate.path] }
        let (exit, output) = try await runToCompletion(
            URL(fileURLWithPath: "/usr/bin/curl"), options + arguments, includeErrors: false)
        guard exit == 0, let cut = output.lastIndex(of: "\n") else {
            throw TimedOut(description: "curl \(arguments) exited \(exit): \(output)")
        }
        return (Int(output[output.index(after: cut)...]) ?? 0, String(output[..<cut]))
    }

    func signal(_ number: Int32) { _ = kill(pid, number) }

    /// The config file `start` wrote (for maintenance commands against this server's users and store).
    var configFile: String { directory.appendingPathComponent("tandem.yaml").path }

    /// Runs `tandem-server` with `arguments` to completion; returns its status and stdout+stderr.
    static func runCLI(_ arguments: [String], environment extra: [String: String] = [:]) async throws
        -> (status: Int32, output: String)
    {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TANDEM_") }
        environment.merge(extra) { _, new in new }
        return try await runToCompletion(try binary(), arguments, environment: environment)
    }

    /// Waits for the process to end and returns its exit status (or the signal that ended it).
    func waitForExit(timeout: Duration = .seconds(15)) async throws -> (status: Int32, signalled: Bool) {
        try await waitUntil("server \(pid) to exit") { !isRunning }
        return process.withLock { ($0.terminationStatus, $0.terminationReason == .uncaughtSignal) }
    }

    /// Kills the process if it still runs and removes its folder (unless `keepFiles`).
    func stop(keepFiles: Bool = false) async {
        if isRunning {
            signal(SIGKILL)
            _ = try? await waitForExit()
        }
        if !keepFiles { try? FileManager.default.removeItem(at: directory) }
    }

    var serverLog: String {
        (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }
}

extension OutputBuffer {
    /// The port from `tandem-server listening on http://host:PORT`, once printed.
    var announcedPort: Int? {
        for line in lines where line.hasPrefix("tandem-server listening on ") {
            if let port = line.split(separator: ":").last.flatMap({ Int($0) }) { return port }
        }
        return nil
    }
}
