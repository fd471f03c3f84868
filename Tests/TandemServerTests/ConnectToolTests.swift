import Foundation
import TandemCore
import Testing

/// `tandem-load connect`, the README's way to connect, as a real process against a real server: it logs in,
/// joins, prints every frame as one JSON line, sends what it reads, refuses a line that is not a frame without
/// ending the session, and closes normally when its input ends.
@Suite struct ConnectToolTests {
    @Test func aScriptedSessionJoinsChangesAndClosesNormally() async throws {
        try await withServer { server in
            let watcher = try await ProtocolClient.login(server, as: "bob")
            try await watcher.join()
            let input = [
                #"{"type":"field_change","session_id":"Contact:1","field":"name","base_version":0,"value":"Ada","rid":2}"#,
                "not a frame",
                #"["type"]"#,
                #"{"type":"ping","rid":3}"#,
            ]
            let run = try await Self.connect(
                ["--url", server.baseURL, "--username", "alice", "--password", "alice-pw", "--join", "Contact:1"],
                input: input
            )
            #expect(run.status == 0, "\(run.errors)")
            let frames = run.output.split(separator: "\n").compactMap { try? JSONParser().parse(String($0)) }
            #expect(frames.map { $0["type"]?.stringValue ?? "?" } == ["connection_confirmed", "joined", "ack", "pong"],
                    "\(run.output)")
            #expect(frames.dropFirst().first?["rid"] == "join-1")
            #expect(frames.dropFirst(2).first?.int("version") == 1)
            #expect(run.errors.contains("line 2: not sent: not JSON"), "\(run.errors)")
            #expect(run.errors.contains("line 3: not sent: a frame is a JSON object"), "\(run.errors)")
            #expect(run.errors.contains("closed: code 1000"), "\(run.errors)")
            let change = try await watcher.next("model_changed")
            #expect(change["value"] == "Ada")
            #expect(change["user"]?["username"] == "alice")
        }
    }

    @Test func aWrongPasswordIsAClearErrorAndExit1() async throws {
        try await withServer { server in
            let run = try await Self.connect(["--url", server.baseURL, "--username", "alice", "--password", "nope"], input: [])
            #expect(run.status == 1)
            #expect(run.errors.contains("login as alice at \(server.baseURL) failed"), "\(run.errors)")
        }
    }

    /// Runs `tandem-load connect` with `input` as its standard input (then end of file), on a thread of its own: the
    /// reads block until the tool exits (seconds: it lingers 3 s), too long to hold a thread of the shared pool.
    static func connect(_ arguments: [String], input: [String]) async throws
        -> (status: Int32, output: String, errors: String)
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try connectBlocking(arguments, input: input) })
            }.start()
        }
    }

    private static func connectBlocking(_ arguments: [String], input: [String]) throws
        -> (status: Int32, output: String, errors: String)
    {
        let process = Process()
        process.executableURL = try ServerProcess.product("tandem-load")
        process.arguments = ["connect", "--linger", "3s"] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.map { $0 + "\n" }.joined().utf8))
        try stdin.fileHandleForWriting.close()
        // Standard error carries a few short notes, far below a pipe's buffer: reading it second cannot block.
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
}
