import Foundation
import TandemCore
import Testing
import TandemCoreTestSupport

/// Process-level behaviour: signals, restarts, slow consumers, the CLI and bad configuration.
@Suite(.timeLimit(.minutes(3)))
struct LifecycleTests {
    @Test func sigtermClosesEverySocketWith1001AndExitsZero() async throws {
        let server = try await ServerProcess.start()
        let a = try await ProtocolClient.login(server, as: "alice")
        let b = try await ProtocolClient.login(server, as: "bob")
        try await a.join()
        try await b.join(rid: 2)
        server.signal(SIGTERM)
        #expect(try await a.closed().code == 1001)
        #expect(try await b.closed().code == 1001)
        let exit = try await server.waitForExit()
        #expect(exit.status == 0 && !exit.signalled, "exit \(exit)")
        await server.stop()
    }

    /// A server started with --exit-with-parent by a shell that then exits (as when a test runner dies)
    /// notices it was orphaned and exits by itself.
    @Test func anOrphanedServerWithExitWithParentExitsByItself() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-orphan-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("tandem.yaml")
        try TestConfig.standard.replacingOccurrences(of: "{{DATA}}", with: directory.appendingPathComponent("data").path)
            .write(to: config, atomically: true, encoding: .utf8)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        let binary = try ServerProcess.binary().path
        shell.arguments = ["-c", "'\(binary)' serve --config '\(config.path)' --exit-with-parent >/dev/null 2>&1 & echo $!"]
        let pipe = Pipe()
        shell.standardOutput = pipe
        try shell.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        let pid = try #require(Int32(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for whichever process adopted it to reap it: either way it has exited.
        try await waitUntil("orphaned tandem-server pid \(pid) to exit") {
            guard kill(pid, 0) == 0 else { return true }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
        }
    }

    @Test func sigkillEndsTheProcessAndARestartServesAgain() async throws {
        let server = try await ServerProcess.start()
        let client = try await ProtocolClient.login(server, as: "alice")
        try await client.join()
        let created = try await ServerProcess.runCLI([
            "create-user", "--config", server.directory.appendingPathComponent("tandem.yaml").path,
            "--username", "carol", "--password", "carol-pw", "--role", "Editor",
        ])
        #expect(created.status == 0, "\(created.output)")
        server.signal(SIGKILL)
        let exit = try await server.waitForExit()
        #expect(exit.signalled && exit.status == SIGKILL)
        _ = try await client.closed()
        let restarted = try await ServerProcess.start(directory: server.directory)
        let carol = try await ProtocolClient.login(restarted, as: "carol")
        #expect(try await carol.join()["read_only"] == .bool(false))
        await restarted.stop()
    }

    /// A server whose outbound limit is 4 frames, with a peer on record 1 that stopped reading and a writer that
    /// changes the record by 512 KiB at a time until the node drops the stalled peer (1013). `body` gets the server,
    /// the stalled socket and the number of changes written. The stalled reader never pings: a long heartbeat
    /// timeout keeps the node from closing it (4408) first on a slow machine, so only the full outbound limit can.
    private func withStalledPeerDropped(
        _ body: (ServerProcess, StalledSocket, Int) async throws -> Void
    ) async throws {
        let config = TestConfig.adding("limits", "outbound_queue_count_max: 4", "frame_bytes_max: 1048576")
            .replacingOccurrences(of: "  timeout: 30s", with: "  timeout: 900s")
        try await withServer(config: config) { server in
            let token = try await HTTP.login(server, "bob", "bob-pw")
            let stalled = try StalledSocket(port: server.port, token: token)
            defer { stalled.close() }
            try stalled.sendText(#"{"type":"join_collaboration","model":"Contact","record_id":1,"rid":1}"#)
            try stalled.read(untilContains: "\"joined\"")
            let writer = try await ProtocolClient.login(server, as: "alice")
            try await writer.join()
            #expect(try await HTTP.metric("tandem_websockets_open", of: server) == 2)
            let pad = String(repeating: "x", count: 512 << 10)
            var dropped = 0.0
            var version = 0
            while dropped < 1, version < 60 {
                let value = #"{"pad":"\#(pad)","n":\#(version)}"#
                #expect(try await writer.change("settings", value: value, base: version, rid: 10 + version).int("version")
                    == version + 1, "the writer is acknowledged whatever the stalled reader does")
                version += 1
                dropped = try await HTTP.metric("tandem_slow_consumers_dropped_total", of: server)
            }
            #expect(dropped == 1, "after \(version) changes of 512 KiB the stalled reader was not closed")
            try await body(server, stalled, version)
        }
    }

    /// A peer that stops reading: the node's frames pile up in the socket's channel (the kernel buffers are full),
    /// they count against the outbound limit, and the node closes it with 1013 while the writer keeps being served.
    /// When the peer reads again it gets every frame written before the close, then the close.
    @Test func aPeerThatStopsReadingIsClosedWith1013() async throws {
        try await withStalledPeerDropped { _, stalled, version in
            let tail = try stalled.readToEnd()
            #expect(tail.closeCode == 1013, "the stalled reader's last frame: \(tail)")
            #expect(tail.changes > 0 && tail.changes < version, "frames before the close: \(tail.changes) of \(version)")
        }
    }

    /// A peer that stops reading and never reads again: the 1013 close frame itself cannot be written (the socket
    /// has no room), and the server still lets the socket go once the close grace (3 s) has passed since the
    /// close was requested, instead of holding it until the peer reads or TCP gives up.
    @Test func aPeerThatNeverReadsAgainIsLetGoAfterTheCloseGrace() async throws {
        try await withStalledPeerDropped { server, _, _ in
            var open = 2.0
            try await waitUntil("the stalled socket to be let go (open WebSockets: \(open))", timeout: .seconds(20)) {
                open = try await HTTP.metric("tandem_websockets_open", of: server)
                return open == 1
            }
        }
    }

    @Test func overflowingTheOutboundQueueClosesWith1013() async throws {
        let config = TestConfig.standard.replacingOccurrences(
            of: "  message_burst: 10000",
            with: "  message_burst: 10000\n  outbound_queue_count_max: 4"
        )
        try await withServer(config: config) { server in
            let writer = try await ProtocolClient.login(server, as: "alice")
            try await writer.join()
            for version in 0..<12 {
                #expect(
                    try await writer.change("age", value: "\(version)", base: version, rid: 10 + version).int("version")
                        == version + 1
                )
            }
            let reader = try await ProtocolClient.login(server, as: "bob")
            try await reader.send(#"{"type":"resync","session_id":"Contact:1","since_version":0,"rid":5}"#)
            #expect(try await reader.closed().code == 1013)
            let metrics = try await HTTP.request("GET", "\(server.baseURL)/metrics")
            #expect(metrics.body.contains("tandem_slow_consumers_dropped_total 1"))
        }
    }

    @Test func badConfigurationExitsTwoNamingFileLineAndKey() async throws {
        let folder = try ServerProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try "server:\n  port: 8080\nlimits:\n  frame_bytes_max: lots\n".write(
            to: file,
            atomically: true,
            encoding: .utf8
        )
        let result = try await ServerProcess.runCLI(["serve", "--config", file.path])
        #expect(result.status == 2)
        #expect(result.output.contains("bad.yaml:4"))
        #expect(result.output.contains("limits.frame_bytes_max"))
    }
}
