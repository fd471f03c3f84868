import Testing
import TandemRuntime
import TandemScenario
@testable import TandemSim

/// Nothing of a simulated world outlives its run: no client, node, broker, store or world stays in memory once the run
/// is over. The simulator holds its parts strongly where a weak reference would cost every retain a side table
/// (`ConnectionRef`, `HeartbeatTimer`, the broker's pipe to a node), and breaks those cycles when a connection's pipes
/// close, a heartbeat stops, a node unsubscribes or the broker closes at the end; a capacity search runs hundreds of
/// worlds in one process, so a path that forgot would keep each world's clients and nodes (a leaked connection holds
/// its client and its node; a leaked heartbeat its client).
struct SimWorldLifetimeTests {
    /// A weak reference, to see whether something is still in memory.
    private final class Watch: Sendable {
        weak let object: (any AnyObject & Sendable)?
        let name: String

        init(_ object: any AnyObject & Sendable, _ name: String) {
            self.object = object
            self.name = name
        }
    }

    /// Runs `body` on a new world of `plan` inside a simulation, and returns what is still in memory after it.
    private func survivors(
        of plan: Scenario, _ body: @escaping @Sendable (SimWorld) async throws -> Void
    ) async throws -> [String] {
        let run = await SimThread.run {
            let executor = SimExecutor()
            return simulate(executor) { () async throws -> [Watch] in
                let world = SimWorld(scenario: plan, seed: plan.seed, executor: executor, options: SimulationOptions())
                try await body(world)
                return [Watch(world, "the world"), Watch(world.context, "the world's context"),
                        Watch(world.context.broker, "the broker"),
                        Watch(world.context.store, "the store")]
                    + world.clients.enumerated().map { Watch($1, "client \($0)") }
                    + world.context.nodes.map { Watch($0, $0.name) }
            }
        }
        #expect(run.isClean, "\(run.report)")
        let watches = try #require(run.value)
        return watches.filter { $0.object != nil }.map(\.name)
    }

    @Test func aRunWithCrashesPartitionsDropsAndDeparturesLeavesNothingBehind() async throws {
        let plan = try scenario(users: 16, nodes: 3, faults: """
              - at: 4s
                crash: {node: node-2, restart_after: 2s}
              - at: 7s
                partition: {between: [node-3], and: [clients], for: 2s}
              - at: 9s
                disconnect: {clients: 25%, reconnect_after: {uniform: [200ms, 1s]}}
              - at: 11s
                disconnect: {clients: 10%}
              - at: 13s
                crash: {node: node-1}
            """, phases: """
              - ramp: {to: 16, over: 1s}
              - steady: 13s
              - ramp: {to: 4, over: 3s}
              - steady: 3s
            """)
        let left = try await survivors(of: plan) { world in _ = try await world.run() }
        #expect(left.isEmpty, "still in memory after the run: \(left)")
    }

    /// A client that leaves while its connection is still being established: the node never takes that connection,
    /// and nothing has travelled on it, so only the client can close it.
    @Test func aClientThatDepartsWhileConnectingLeavesNothingBehind() async throws {
        let plan = try scenario(users: 2, nodes: 1)
        let left = try await survivors(of: plan) { world in
            for node in world.context.nodes { try await node.boot() }
            await world.clients[0].arrive()
            await world.clients[0].depart()
            await world.clients[1].arrive()
            try await world.executor.sleep(for: .seconds(3))
            #expect(await world.clients[1].connected, "the other client connects as usual")
            await world.tearDown()
        }
        #expect(left.isEmpty, "still in memory after the run: \(left)")
    }

    /// A client that leaves after the node took its connection but before the node's confirmation reached it lets go
    /// of the connection without a word (it never knew it was open); the node then crashes, and its close reaches a
    /// client that no longer listens. Nothing else would close that connection's downlink.
    @Test func aConnectionItsClientLeftBeforeTheConfirmationLeavesNothingBehindWhenItsNodeCrashes() async throws {
        let plan = try scenario(users: 1, nodes: 1)
        let left = try await survivors(of: plan) { world in
            let node = world.context.nodes[0]
            try await node.boot()
            let client = world.clients[0]
            await client.arrive()
            let connection = try #require(await client.currentConnection as? SimConnection)
            while connection.nodeConnectionID.value == nil { try await world.executor.sleep(for: .milliseconds(1)) }
            #expect(await !client.connected, "the confirmation is still on its way")
            await client.depart()
            await node.crash()
            try await world.executor.sleep(for: .seconds(1))
            await world.tearDown()
        }
        #expect(left.isEmpty, "still in memory after the run: \(left)")
    }
}
