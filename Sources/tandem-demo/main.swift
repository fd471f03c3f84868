import Synchronization
import TandemCore
import TandemEngine
import TandemRuntime
import TandemWire

/// A transport that prints every frame a client receives, as the browser would see it on the wire.
final class PrintingTransport: ClientTransport {
    let name: String
    let lines = Mutex<[String]>([])
    init(name: String) { self.name = name }
    func send(_ message: ServerMessage) -> Bool {
        lines.withLock { $0.append("  → \(name): \(WireCodec().encodeServer(message))") }
        return true
    }
    func close(code: Int, reason: String) {}
}

let executor = SimExecutor()
let run = simulate(executor) { () async throws -> String in
    let node = CollaborationNode(
        configuration: NodeConfiguration(nodeID: "node-1"),
        environment: NodeEnvironment(clock: executor.clock, store: InMemoryEventStore(), backplane: InMemoryBackplane(), seed: 1))
    try await node.start()
    let alice = PrintingTransport(name: "alice")
    let bob = PrintingTransport(name: "bob")
    let a = await node.connect(user: UserIdentity(id: 1, username: "alice", roles: ["Editor"]), transport: alice)
    let b = await node.connect(user: UserIdentity(id: 2, username: "bob", roles: ["Editor"]), transport: bob)
    for connection in [a, b] {
        await node.receive(.joinCollaboration(JoinCollaboration(model: "Contact", recordID: 42)), from: connection)
    }
    await node.receive(.fieldChange(FieldChange(sessionID: "Contact:42", field: "notes", baseVersion: 0,
                                                edit: .value("Hello world"))), from: a)
    // Both edit version 1 concurrently: alice inserts " beautiful", bob appends "!".
    await node.receive(.fieldChange(FieldChange(sessionID: "Contact:42", field: "notes", baseVersion: 1,
                                                edit: .op([5, " beautiful", 6]), rid: 1)), from: a)
    await node.receive(.fieldChange(FieldChange(sessionID: "Contact:42", field: "notes", baseVersion: 1,
                                                edit: .op([11, "!"]), rid: 2)), from: b)
    let record = await node.record(RecordKey(model: "Contact", recordID: "42"))
    await node.shutdown()
    let frames = (alice.lines.withLock { $0 } + bob.lines.withLock { $0 }).joined(separator: "\n")
    return frames + "\n\nrecord Contact:42 at version \(record?.version ?? -1): notes = \(record?.fields["notes"] ?? .null)"
}
switch run.outcome {
case .returned(let text): print(text); print("\n\(run.statistics)")
default: print(run.report)
}
