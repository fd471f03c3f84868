import Foundation
import TandemCore
import TandemCoreTestSupport
import TandemTestSupport
import Testing

/// The Socket.IO endpoint against the real python-socketio `AsyncClient` (PyPI, pinned in
/// `scripts/socketio/venv.sh`), over WebSocket, against a real server: each test runs one scenario of
/// `scripts/socketio/clients.py`, whose checks are listed in its output.
@Suite(.serialized) struct SocketIOTests {
    /// Heartbeat 500 ms / 1.5 s: the server pings every 500 ms and drops a client a second after an unanswered ping.
    static let config = TestConfig.standard.replacingOccurrences(
        of: "heartbeat:\n  interval: 1s\n  timeout: 30s", with: "heartbeat:\n  interval: 500ms\n  timeout: 1500ms")

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The venv's python: `$TANDEM_TEST_SOCKETIO_PYTHON` (scripts/test.sh makes it), else made now.
    static func python() async throws -> URL {
        if let path = ProcessInfo.processInfo.environment["TANDEM_TEST_SOCKETIO_PYTHON"] {
            return URL(fileURLWithPath: path)
        }
        let script = repository.appendingPathComponent("scripts/socketio/venv.sh")
        let (status, output) = try await runToCompletion(script, [], includeErrors: false)
        let path = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status == 0, "scripts/socketio/venv.sh failed: \(output)")
        return URL(fileURLWithPath: path)
    }

    func run(_ scenario: String, config: String = Self.config, arguments: [String] = []) async throws {
        #expect(config.contains("interval: 500ms"), "the heartbeat settings were not replaced")
        let python = try await Self.python()
        try await withServer(config: config) { server in
            let script = Self.repository.appendingPathComponent("scripts/socketio/clients.py").path
            let (status, output) = try await runToCompletion(python, [script, server.baseURL, scenario] + arguments)
            #expect(status == 0 && output.contains("ok \(scenario)"), "clients.py \(scenario):\n\(output)")
        }
    }

    /// An UPDATE made with psql in the server's PostgreSQL database reaches the Socket.IO client (`origin: "db"`).
    @Test func aWriteInTheDatabaseReachesASocketIOClient() async throws {
        try await TestPostgres.withDatabase { database in
            let url = TestPostgres.configURL(database)
            try await run("db-write", config: Self.config + "\ndatabase:\n  url: \"\(url)\"", arguments: [url])
        }
    }

    @Test func connectsWithAValidTokenAndRefusesABadOne() async throws { try await run("connect") }
    @Test func twoUsersCollaborateThroughOneRecord() async throws { try await run("collaborate") }
    @Test func aClientThatStopsPongingIsDropped() async throws { try await run("ping-timeout") }
    @Test func aDroppedClientReconnectsAndResyncs() async throws { try await run("reconnect") }
}
