import Foundation
import Testing
import TandemRuntime
@testable import TandemSim

/// The pipe that hands each delivery to a client from the simulator's loop (the target form).
struct SimPipeTests {
    /// A receiver on the simulator's executor, as a simulated client is.
    private actor Receiver {
        nonisolated let unownedExecutor: UnownedSerialExecutor
        var received: [Int] = []
        var receivedAtNanos: [Int64] = []
        /// How deep the stack was at each delivery.
        var stackDepths: [Int] = []

        init(executor: SimExecutor) { unownedExecutor = executor.asUnownedSerialExecutor() }

        func take(_ message: Int, atNanos: Int64) {
            received.append(message)
            receivedAtNanos.append(atNanos)
            stackDepths.append(Thread.callStackReturnAddresses.count)
        }

        func report() -> (received: [Int], atNanos: [Int64], depths: [Int]) { (received, receivedAtNanos, stackDepths) }
    }

    /// Every delivery is a call from the loop at its own time, in order, and each costs the same: the pipe's drain
    /// must not grow from one delivery to the next. (Stored as a bare function value in a `Mutex`, it did: every
    /// access wrapped it in two more reabstraction thunks, so the n-th delivery walked 2n calls deep and
    /// `classroom-150` ran 40 times slower with the same trace.)
    @Test func eachDeliveryIsOneCallFromTheLoopAtItsTime() async throws {
        let count = 300
        let run = await SimThread.run {
            let sim = SimExecutor()
            return simulate(sim) { () async throws -> (received: [Int], atNanos: [Int64], depths: [Int]) in
                let receiver = Receiver(executor: sim)
                let pipe = SimPipe<Int>(executor: sim, owner: receiver) { receiver, message in
                    receiver.take(message, atNanos: sim.nowNanos)
                }
                for message in 0..<count {
                    // A millisecond apart, so each one is its own timer.
                    pipe.send(message, nowNanos: 0, latencyNanos: Int64(message + 1) * 1_000_000)
                }
                try await sim.sleep(untilNanos: Int64(count + 1) * 1_000_000)
                pipe.close()
                return await receiver.report()
            }
        }
        #expect(run.failures.isEmpty, "\(run.failures)")
        guard case .returned(let report) = run.outcome else {
            Issue.record("the run did not return: \(run.outcome)")
            return
        }
        #expect(report.received == Array(0..<count))
        #expect(report.atNanos == (0..<count).map { Int64($0 + 1) * 1_000_000 })
        let depths = Set(report.depths)
        #expect(depths.count == 1, "stack depth per delivery went from \(report.depths.first ?? 0) to \(report.depths.last ?? 0)")
    }

    /// A default actor, as a node is: its jobs run through the simulator's FIFO because every simulated task prefers
    /// the simulator's task executor.
    private actor Node {
        var received: [Int] = []
        var receivedAtNanos: [Int64] = []

        func take(_ message: Int, atNanos: Int64) {
            received.append(message)
            receivedAtNanos.append(atNanos)
        }

        func report() -> (received: [Int], atNanos: [Int64]) { (received, receivedAtNanos) }
    }

    /// The broker's pipe to a node: deliveries reach a default actor in order at their times, and the pipe holds the
    /// node until it is closed (as the node unsubscribes when it stops or crashes), then lets it go: what was still in
    /// flight is dropped, and no timer is left behind.
    @Test func aPipeDeliversToADefaultActorAndLetsItGoWhenClosed() async throws {
        let run = await SimThread.run {
            let sim = SimExecutor()
            return simulate(sim) { () async throws -> (received: [Int], atNanos: [Int64], heldOpen: Bool, released: Bool, idle: Bool) in
                var node: Node? = Node()
                weak let watched = node
                let pipe = SimPipe<Int>(executor: sim, owner: node!) { node, message in
                    node.take(message, atNanos: sim.nowNanos)
                }
                for message in 0..<6 { pipe.send(message, nowNanos: 0, latencyNanos: Int64(message + 1) * 1_000_000) }
                try await sim.sleep(untilNanos: 3_500_000)
                let report = await node!.report()
                node = nil
                let heldOpen = watched != nil  // the open pipe still holds it
                // Messages 3, 4 and 5 are due after the close: dropped, and the pipe goes idle.
                pipe.close()
                try await sim.sleep(untilNanos: 10_000_000)
                return (report.received, report.atNanos, heldOpen, watched == nil, sim.pendingTimerCount == 0)
            }
        }
        #expect(run.failures.isEmpty, "\(run.failures)")
        guard case .returned(let report) = run.outcome else {
            Issue.record("the run did not return: \(run.outcome)")
            return
        }
        #expect(report.received == [0, 1, 2])
        #expect(report.atNanos == [1_000_000, 2_000_000, 3_000_000])
        #expect(report.heldOpen, "the open pipe let its owner go")
        #expect(report.released, "the closed pipe kept its owner alive")
        #expect(report.idle, "the closed pipe kept a timer")
    }
}
