import Foundation
import TandemCore
import Testing

/// Runs `body` against a fresh server process and always stops it (its log is attached on failure).
func withServer(
    config: String = TestConfig.standard, startTimeout: Duration = .seconds(30), directory: URL? = nil,
    tlsCertificate: URL? = nil, _ body: (ServerProcess) async throws -> Void
) async throws {
    let server = try await ServerProcess.start(
        config: config, directory: directory, startTimeout: startTimeout, tlsCertificate: tlsCertificate)
    do {
        try await body(server)
    } catch {
        Issue.record("server log:\n\(server.serverLog.suffix(4_000))")
        await server.stop()
        throw error
    }
    await server.stop()
}

extension ProtocolClient {
    /// Logs in as `username` (password `<username>-pw`) and connects.
    static func login(_ server: ServerProcess, as username: String) async throws -> ProtocolClient {
        let token = try await HTTP.login(server, username, "\(username)-pw")
        return try await connect(server, token: token, name: username)
    }

    /// Joins `Contact:<record>` and returns the `joined` frame.
    @discardableResult
    func join(record: Int = 1, rid: Int = 1) async throws -> JSONValue {
        try await send(#"{"type":"join_collaboration","model":"Contact","record_id":\#(record),"rid":\#(rid)}"#)
        let reply = try await self.reply(to: rid)
        #expect(reply["type"]?.stringValue == "joined", "join answered \(reply)")
        return reply
    }

    /// Sends a whole-value change and returns the reply (`ack`, `conflict_detected` or `error`).
    func change(_ field: String, value: String, base: Int, rid: Int, record: Int = 1) async throws -> JSONValue {
        try await send(
            #"{"type":"field_change","session_id":"Contact:\#(record)","field":"\#(field)","base_version":\#(base),"value":\#(value),"rid":\#(rid)}"#
        )
        return try await reply(to: rid)
    }
}

extension JSONValue {
    /// `self[key]` as an Int, or -1 (so a mismatch shows in `#expect`).
    func int(_ key: String) -> Int { self[key]?.intValue ?? -1 }
    func string(_ key: String) -> String { self[key]?.stringValue ?? "<none>" }
}
