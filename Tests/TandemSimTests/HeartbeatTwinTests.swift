import Foundation
import Synchronization
import TandemCore
import TandemRuntime
@testable import TandemSim
import Testing

/// When the simulator's client pings, against `Tests/Fixtures/heartbeat-timeline.json`, the timeline the browser
/// client is held to as well (`Tests/js/heartbeat.test.mjs`): one `SimClient` on the simulator's clock, its
/// connection confirmed at 0, the frames it sends recorded with their virtual times.
@Suite struct HeartbeatTwinTests {
    struct Timeline: Decodable {
        struct Case: Decodable {
            var name: String
            var heartbeat_ms: Int
            var sends_ms: [Int64]
            var until_ms: Int64
            var pings_ms: [Int64]
        }
        var cases: [Case]
    }

    static let timeline: [Timeline.Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/heartbeat-timeline.json")
        do {
            return try JSONDecoder().decode(Timeline.self, from: Data(contentsOf: url)).cases
        } catch {
            Issue.record("cannot read \(url.path): \(error)")
            return []
        }
    }()

    /// A connection that takes every frame and remembers when it was sent (virtual milliseconds) and its type.
    final class RecordingConnection: ClientConnection {
        let clock: SimExecutor
        let sent = Mutex<[(atMs: Int64, type: String)]>([])
        init(clock: SimExecutor) { self.clock = clock }
        var node: Int { 0 }
        func establish(as user: UserIdentity, for client: isolated SimClient) async -> Bool? { true }
        func sendToNode(_ message: ClientMessage) {
            let entry = (atMs: clock.nowNanos / 1_000_000, type: message.typeName)
            sent.withLock { $0.append(entry) }
        }
        func hangUp() {}
        func shutDown() {}
    }

    struct OneConnection: ClientLinks {
        let connection: RecordingConnection
        var nodeCount: Int { 1 }
        func connection(from client: SimClient, index: Int, to node: Int) -> any ClientConnection { connection }
    }

    /// How the client beats: in the simulator, a timer the loop calls (`HeartbeatTimer`); a client that is not on the
    /// simulator's executor (a live one), a task that sleeps. Both must ping at the browser's times.
    enum Beats: CaseIterable, Sendable { case timer, sleepingTask }

    @Test(arguments: timeline.map(\.name), Beats.allCases)
    func theClientPingsWhenTheBrowserDoes(_ name: String, _ beats: Beats) async throws {
        let entry = try #require(Self.timeline.first { $0.name == name })
        // Clients that never act on their own within the timeline: only the join, the test's frames and pings go out.
        let scenario = try scenario(users: 1, nodes: 1, thinkTime: "{fixed: 1000s}")
        let run = await SimThread.run {
            let sim = SimExecutor(limits: SimLimits(hangGraceWallMillis: 30_000))
            return simulate(sim) { () async throws -> (sent: [(atMs: Int64, type: String)], timersLeft: Int) in
                let connection = RecordingConnection(clock: sim)
                let recorder = SimRecorder(clock: sim, tracer: nil, groups: ["users"])
                var environment = ClientEnvironment(
                    seed: 1, clock: sim, recorder: recorder, links: OneConnection(connection: connection))
                environment.executor = beats == .timer ? sim : nil
                let member = ScenarioMember.all(of: scenario, seed: 1)[0]
                let client = SimClient(member: member, user: member.identity(id: 1),
                                       model: ScenarioModels.registry(scenario), environment: environment)
                await client.arrive()
                try await sim.sleep(for: .zero)  // the handshake, which the connection takes at once
                let confirmed = ConnectionConfirmed(connectionID: "c1", user: member.identity(id: 1).ref,
                                                    serverTime: 0, heartbeatMs: entry.heartbeat_ms)
                await client.receive(.message(.connectionConfirmed(confirmed)), on: connection)
                for atMs in entry.sends_ms {
                    try await sim.sleep(untilNanos: atMs * 1_000_000)
                    await client.send(on: connection, .cursor(CursorUpdate(sessionID: "Doc:1", field: "title",
                                                                           state: .focus)))
                }
                try await sim.sleep(untilNanos: entry.until_ms * 1_000_000)
                await client.finish()
                try await sim.sleep(for: .zero)  // what the finish cancelled
                return (connection.sent.withLock { $0 }, sim.pendingTimerCount)
            }
        }
        #expect(run.failures.isEmpty, "\(run.failures)")
        guard case .returned(let (sent, timersLeft)) = run.outcome else {
            Issue.record("the run did not return: \(run.outcome)")
            return
        }
        #expect(timersLeft == 0, "the finished client left \(timersLeft) timer(s) behind")
        #expect(sent.first?.type == "join_collaboration" && sent.first?.atMs == 0, "the join goes out at 0: \(sent)")
        #expect(sent.filter { $0.type == "ping" }.map(\.atMs) == entry.pings_ms)
        #expect(sent.filter { $0.type == "cursor" }.count == entry.sends_ms.count)
    }
}
