import ArgumentParser
import Foundation
import TandemCore
import TandemRuntime

/// `tandem-load connect`: one interactive collaborator, like `wscat` for the protocol. It logs in, opens `/ws`
/// with the token, joins the records named by `--join`, prints every frame the server sends (one JSON object per
/// line on standard output) and sends every line typed on standard input as a frame. Lines that are not a JSON
/// object with a `"type"` are refused locally, with the reason on standard error. When standard input ends it
/// keeps printing for `--linger`, then closes the socket normally.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "One interactive collaborator: log in, join records, print every frame, send the frames you type.",
        discussion: """
            Example: tandem-load connect --username alice --password s3cret --join Contact:1
            then type, one frame per line:
              {"type":"field_change","session_id":"Contact:1","field":"name","base_version":0,"value":"Ada","rid":2}
            Frames the server sends are printed as they arrive; Ctrl-D ends the session.
            """
    )

    @Option(help: "Server base URL (http://host:port).") var url = "http://127.0.0.1:8080"
    @Option(help: "User to log in as.") var username: String
    @Option(help: "That user's password.") var password: String
    @Option(name: .customLong("join"), help: "A record to join once connected, as Model:id (repeat for several).")
    var joins: [String] = []
    @Option(help: "After standard input ends, how long to keep printing what arrives (e.g. 1s, 500ms).")
    var linger = "1s"

    func validate() throws {
        for join in joins where Self.record(join) == nil {
            throw ValidationError("--join \(join): expected Model:id, like Contact:1")
        }
        guard Duration.parse(linger) != nil else { throw ValidationError("--linger \(linger): expected 500ms, 2s or 1m") }
    }

    func run() async throws {
        let token = try await Login.accessToken(base: url, username: username, password: password)
        let socket = Login.socketURL(url)
        let input = StandardInputLines.start()
        Output.note("tandem-load connect: \(username) → \(socket); one JSON frame per line, Ctrl-D to end")
        for _ in 1...ConfirmedConnection.attemptsMax {
            switch try await session(socket: socket, token: token, input: input) {
            case .unconfirmed:
                Output.note("no connection_confirmed within \(ConfirmedConnection.confirmationTimeout); connecting again")
            case .closed(let code, let reason):
                let why = (reason ?? "").isEmpty ? "" : " (\(reason!))"
                Output.note("closed: \(code.map { "code \($0)" } ?? "without a close frame")\(why)")
                guard code == nil || code == 1000 || code == 1001 else { throw ExitCode(1) }
                return
            }
        }
        Output.note("gave up: the server never confirmed the connection")
        throw ExitCode(1)
    }

    private enum Outcome {
        case unconfirmed
        case closed(code: Int?, reason: String?)
    }

    private func session(socket: String, token: String, input: AsyncStream<String>) async throws -> Outcome {
        let joins = self.joins
        let lingering = Duration.parse(linger) ?? .seconds(1)
        let outcome = try await ConfirmedConnection.open(url: socket, token: token, label: "tandem-load-connect") {
            first, frames, outbound in
            Output.frame(first)
            for (index, join) in joins.enumerated() {
                guard let (model, record) = Self.record(join) else { continue }
                let frame: JSONValue = [
                    "type": "join_collaboration", "model": .string(model), "record_id": record,
                    "rid": .string("join-\(index + 1)"),
                ]
                try await outbound.write(.text(try JSONWriter().string(frame)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var number = 0
                    for await line in input {
                        number += 1
                        let text = line.trimmingCharacters(in: .whitespaces)
                        if text.isEmpty { continue }
                        if let problem = Self.problem(text) {
                            Output.note("line \(number): not sent: \(problem)")
                            continue
                        }
                        try await outbound.write(.text(text))
                    }
                    try await Task.sleep(for: lingering)
                    try await outbound.close(.normalClosure, reason: "input ended")
                }
                while let message = try await frames.next() {
                    if case .text(let text) = message { Output.frame(text) }
                }
                group.cancelAll()
            }
        }
        switch outcome {
        case .unconfirmed: return .unconfirmed
        case .closed(let close): return .closed(code: close.map { ConfirmedConnection.number($0.closeCode) }, reason: close?.reason)
        }
    }

    /// `Model:id` as the model and a record id (an integer when it is one, as browsers send it).
    static func record(_ text: String) -> (String, JSONValue)? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        if let number = Int(parts[1]), String(number) == parts[1] { return (parts[0], .int(number)) }
        return (parts[0], .string(parts[1]))
    }

    /// Why a typed line is not a frame, or nil when it is one.
    static func problem(_ line: String) -> String? {
        do {
            guard case .object(let members) = try JSONParser().parse(line) else { return "a frame is a JSON object" }
            guard members["type"]?.stringValue != nil else { return "a frame needs a \"type\" string" }
            return nil
        } catch {
            return "not JSON: \(error)"
        }
    }
}

/// Standard input as lines, read on a thread of its own: `readLine` blocks, and a blocking call must not hold one
/// of the cooperative pool's threads.
enum StandardInputLines {
    static func start() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            continuation.finish()
        }
        thread.name = "stdin"
        thread.start()
        return stream
    }
}

/// Frames on standard output, notes on standard error, each written at once (a pipe would buffer `print`).
enum Output {
    static func frame(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    static func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}
