import Foundation
import Testing
import TandemEngine
import TandemReport
import TandemScenario
import TandemSim

/// The node cost model (`topology.node`): each term moves latency as queueing theory says, a full write
/// queue closes the connection with 1013 and the client resyncs, and the defaults are the measured ones.
@Suite struct NodeCostTests {
    /// Every term off: the node costs nothing.
    static let free =
        "{cores: 1, per_message: 0us, per_recipient: 0us, per_store_call: 0us, per_delivery: 0us, per_write: 0us, per_frame: 0us, event_loops: 0}"

    /// `users` clients in one record, each changing a number field at exponential intervals (so changes arrive
    /// as a Poisson stream), fixed 1 ms client links and a store that answers in 0.1 ms: without node costs,
    /// a propagation takes the two client hops and the store's answer, plus a little waiting for the record's
    /// earlier commits.
    func fanOut(users: Int, thinkMean: String, node: String, duration: String = "10s", seed: UInt64 = 3) throws
        -> Scenario
    {
        try ScenarioLoader.load(yaml: """
            name: fan-out
            seed: \(seed)
            duration: \(duration)
            settle: 3s
            topology:
              nodes: 1
              heartbeat: {interval: 2s, timeout: 6s}
              store: {latency: 100us}
              links:
                client_node: {latency: 1ms}
                node_store: {latency: 0ms}
              node: \(node)
            models:
              - name: Doc
                fields: {size: number}
            population:
              - group: users
                users: \(users)
                records: {model: Doc, count: 1}
                behavior:
                  think_time: {exponential: {mean: \(thinkMean)}}
                  actions: {set_field: 1}

            """, file: "fan-out.yaml")
    }

    /// One run's mean propagation (ms) and its measured arrival rates (per second).
    struct Observed {
        var meanMs: Double
        var changesPerSecond: Double
        var pingsPerSecond: Double
    }

    func observe(_ plan: Scenario, users: Int) async throws -> Observed {
        let report = try await simulate(plan).report
        #expect(report.lostAcknowledgedWrites.isEmpty)
        #expect(report.versionOrderViolations.isEmpty)
        #expect(total(report, "slow_consumers_dropped") == 0)
        let seconds = Double(plan.duration.components.seconds)
        return Observed(
            meanMs: report.latency.propagation.meanMs, changesPerSecond: Double(total(report, "commits")) / seconds,
            // Every client pings every 2 s (the scenario's 2 s heartbeat), over the whole run.
            pingsPerSecond: Double(users) / 2)
    }

    /// The Pollaczek–Khinchine mean wait of an M/G/1 queue fed by Poisson classes (rate, deterministic service
    /// in seconds); with one class it is the M/D/1 formula ρS / (2(1 − ρ)).
    static func meanWait(_ classes: [(rate: Double, service: Double)]) -> Double {
        let rho = classes.reduce(0) { $0 + $1.rate * $1.service }
        precondition(rho < 1, "unstable queue")
        return classes.reduce(0) { $0 + $1.rate * $1.service * $1.service } / (2 * (1 - rho))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var term: String
        var cost: Double  // seconds
        var cores: Int
        var thinkMean: String
        var testDescription: String { "\(term) \(cost * 1e6)us on \(cores) core(s), think \(thinkMean)" }
    }

    /// A change into a record of N joined clients is one batch of N sends (N − 1 `model_changed` and the
    /// author's `ack`). Under `per_delivery` on one core, or `per_recipient` on the actor, the batch is one
    /// customer of an M/D/1 queue with service N·c (pongs are customers of service c); a recipient's latency
    /// grows by the batch's wait plus its own place in the batch, (N + 1)/2 · c on average. Under
    /// `per_message` each inbound frame (changes and pings) is a customer of service c, and a change's
    /// recipients wait for it and its service.
    @Test(arguments: [
        Case(term: "per_delivery", cost: 50e-6, cores: 1, thinkMean: "70ms"),  // ρ ≈ 0.29
        Case(term: "per_delivery", cost: 50e-6, cores: 1, thinkMean: "35ms"),  // ρ ≈ 0.57
        Case(term: "per_recipient", cost: 50e-6, cores: 2, thinkMean: "40ms"),  // ρ ≈ 0.5
        Case(term: "per_message", cost: 1e-3, cores: 1, thinkMean: "40ms"),  // ρ ≈ 0.5
    ])
    func eachTermMovesLatencyAsTheQueueingFormulaPredicts(_ test: Case) async throws {
        let users = 20
        let n = Double(users)
        let node = Self.free.replacingOccurrences(of: "cores: 1", with: "cores: \(test.cores)")
            .replacingOccurrences(of: "\(test.term): 0us", with: "\(test.term): \(Int(test.cost * 1e6))us")
        let base = try await observe(try fanOut(users: users, thinkMean: test.thinkMean, node: Self.free), users: users)
        let costed = try await observe(try fanOut(users: users, thinkMean: test.thinkMean, node: node), users: users)
        #expect(base.meanMs >= 2.1 && base.meanMs < 2.5, "without costs: two 1 ms hops and the store: \(base.meanMs)")

        let c = test.cost
        let predicted: Double
        if test.term == "per_message" {
            let wait = Self.meanWait([(costed.changesPerSecond + costed.pingsPerSecond, c)])
            predicted = wait + c
        } else {
            let wait = Self.meanWait([(costed.changesPerSecond, n * c), (costed.pingsPerSecond, c)])
            predicted = wait + (n + 1) / 2 * c
        }
        let added = (costed.meanMs - base.meanMs) / 1e3
        #expect(abs(added - predicted) <= 0.15 * predicted,
                "added \(added * 1e3) ms, predicted \(predicted * 1e3) ms at \(costed.changesPerSecond) changes/s")
    }

    /// More cores serve a fan-out's writes side by side: the same load on four cores adds far less latency.
    @Test func moreCoresShortenAFanOut() async throws {
        let users = 20
        func added(cores: Int) async throws -> Double {
            let node = Self.free.replacingOccurrences(of: "cores: 1", with: "cores: \(cores)")
                .replacingOccurrences(of: "per_delivery: 0us", with: "per_delivery: 50us")
            return try await observe(try fanOut(users: users, thinkMean: "40ms", node: node), users: users).meanMs - 2.1
        }
        let one = try await added(cores: 1)
        let four = try await added(cores: 4)
        #expect(four > 0)
        #expect(four < one / 3, "1 core adds \(one) ms, 4 cores \(four) ms")
    }

    /// `cpu_scale` is the host's speed: every term's draw is multiplied by it, so a node at half the defaults'
    /// machine's cost runs exactly as one whose terms are written at half.
    @Test func cpuScaleMultipliesEveryTermsDraw() async throws {
        let users = 20
        func run(delivery: String, message: String, scale: String = "1") async throws -> Double {
            let node = Self.free.replacingOccurrences(of: "per_delivery: 0us", with: "per_delivery: \(delivery)")
                .replacingOccurrences(of: "per_message: 0us", with: "per_message: \(message), cpu_scale: \(scale)")
            return try await observe(try fanOut(users: users, thinkMean: "100ms", node: node), users: users).meanMs
        }
        let scaled = try await run(delivery: "100us", message: "200us", scale: "0.5")
        let halved = try await run(delivery: "50us", message: "100us")
        let full = try await run(delivery: "100us", message: "200us")
        #expect(scaled == halved, "cpu_scale 0.5: \(scaled) ms; the terms halved: \(halved) ms")
        #expect(full > halved + 0.5, "the full terms (\(full) ms) cost more than half of them (\(halved) ms)")
    }

    /// `write_scale` is the host's speed at socket writes: it multiplies `per_write`'s draw in place of `cpu_scale`,
    /// and nothing else; without it `per_write` follows `cpu_scale`. Twenty clients in one record, 400 µs per
    /// write, 100 µs per message.
    @Test func writeScaleMultipliesPerWriteAlone() async throws {
        let users = 20
        func run(write: String, message: String, scales: String) async throws -> Double {
            let node = Self.free.replacingOccurrences(of: "per_message: 0us", with: "per_message: \(message), \(scales)")
            let withWrite = node.replacingOccurrences(of: "per_write: 0us", with: "per_write: \(write)")
            return try await observe(try fanOut(users: users, thinkMean: "100ms", node: withWrite), users: users).meanMs
        }
        // write_scale 0.5 halves the writes only; cpu_scale 2 doubles the message only.
        let split = try await run(write: "400us", message: "100us", scales: "cpu_scale: 2, write_scale: 0.5")
        let written = try await run(write: "200us", message: "200us", scales: "cpu_scale: 1")
        #expect(split == written, "cpu_scale 2, write_scale 0.5: \(split) ms; the terms written so: \(written) ms")
        // Without write_scale, cpu_scale scales the write too (as before the key existed).
        let both = try await run(write: "400us", message: "100us", scales: "cpu_scale: 2")
        let doubled = try await run(write: "800us", message: "200us", scales: "cpu_scale: 1")
        #expect(both == doubled, "cpu_scale 2 alone: \(both) ms; every term doubled: \(doubled) ms")
        #expect(doubled > written + 0.5, "dearer writes (\(doubled) ms) cost more than cheaper ones (\(written) ms)")
    }

    /// Past what the core can write, write queues grow until one holds `write_queue_max` frames: the node
    /// closes that connection with 1013 and discards its backlog, the client sees 1013, reconnects and
    /// resyncs, and nothing acknowledged is lost or seen out of order. (A node kept past its capacity does not
    /// settle: every resync's replay refills the queues, as against an overloaded real server.)
    @Test func aFullWriteQueueClosesWith1013AndTheClientResyncs() async throws {
        let load = { (node: String) in try self.fanOut(users: 20, thinkMean: "200ms", node: node, duration: "6s") }
        let report = try await simulate(try load("{cores: 1, per_delivery: 700us, write_queue_max: 40}")).report
        let closed = total(report, "slow_consumers_dropped")
        #expect(closed > 0)
        #expect(total(report, "client.closed.1013") == closed)
        #expect(total(report, MetricsRecorder.CounterName.reconnects) > closed / 2)
        #expect(total(report, MetricsRecorder.CounterName.resyncs) > closed / 2)
        #expect(report.lostAcknowledgedWrites.isEmpty)
        #expect(report.versionOrderViolations.isEmpty)
        #expect((report.load.nodes[0].gauges["write_queue_longest"]?.max ?? 0) >= 30)

        // The same load with the server's own limit (1,024 frames) only queues in 6 s: nobody is closed,
        // and the queue and the latency grow instead.
        let roomy = try await simulate(try load("{cores: 1, per_delivery: 700us}")).report
        #expect(total(roomy, "slow_consumers_dropped") == 0)
        #expect((roomy.load.nodes[0].gauges["write_queue_longest"]?.max ?? 0) > 40)
        #expect(roomy.latency.propagation.p99Ms > 300)
    }

    /// `per_write` is paid once per write, and a write carries every frame that waited for it. Twenty clients
    /// in one record, a change every 200 ms each (about 2,000 frames a second), one core: at 1 ms per frame that
    /// is twice what the core can write, the write queues fill and the node closes connections with 1013; at
    /// 1 ms per write the frames that wait share a write, and the node keeps up.
    @Test func aWriteCarriesEveryFrameThatWaitedForIt() async throws {
        let load = { (node: String) in try self.fanOut(users: 20, thinkMean: "200ms", node: node, duration: "6s") }
        let off = "cores: 1, per_message: 0us, per_recipient: 0us, per_frame: 0us, write_queue_max: 40"
        let perWrite = try await simulate(try load("{\(off), per_delivery: 0us, per_write: 1ms}")).report
        #expect(total(perWrite, "slow_consumers_dropped") == 0)
        #expect(perWrite.latency.propagation.p99Ms < 150, "\(perWrite.latency.propagation.p99Ms) ms")
        #expect(perWrite.lostAcknowledgedWrites.isEmpty)
        // The report counts the writes: fewer than the deliveries, since frames joined the ones waiting.
        let writes = total(perWrite, "writes"), deliveries = total(perWrite, "messages.out")
        #expect(writes > 0 && writes < deliveries, "\(writes) writes for \(deliveries) deliveries")
        let perFrame = try await simulate(try load("{\(off), per_delivery: 1ms, per_write: 0us}")).report
        #expect(total(perFrame, "slow_consumers_dropped") > 0)
        #expect(perFrame.lostAcknowledgedWrites.isEmpty)
        #expect(perFrame.load.nodes.allSatisfy { $0.counters["writes"] == nil }, "no per-write cost: no count")
    }

    /// `event_loops`: the actor's thread takes turns with the event loops on a core that has writes queued (the
    /// kernel's fair share) instead of going ahead of them. Fifty clients in one record, a change every 100 ms
    /// each, writes of 200 µs carrying the frames that wait for them: the same work gets done, but changes wait
    /// for the actor and propagate later. With nothing queued on the core the term changes nothing at all.
    /// (It fails with the actor always going first: the p50s are then equal.)
    @Test func theActorTakesTurnsWithTheEventLoopsOnACoreBusyWithWrites() async throws {
        func node(loops: Int, writes: Bool) -> String {
            "{cores: 1, event_loops: \(loops), per_message: 100us, per_recipient: 20us, per_store_call: 0us, "
                + "per_delivery: \(writes ? 10 : 0)us, per_write: \(writes ? 200 : 0)us, per_frame: 0us}"
        }
        let load = { (node: String) in try self.fanOut(users: 50, thinkMean: "100ms", node: node, duration: "5s") }
        let ahead = try await simulate(try load(node(loops: 0, writes: true))).report
        let turns = try await simulate(try load(node(loops: 2, writes: true))).report
        #expect(total(turns, "commits") == total(ahead, "commits"), "the same changes are made")
        #expect(total(turns, "messages.out") == total(ahead, "messages.out"))
        #expect(turns.latency.propagation.p50Ms > 1.3 * ahead.latency.propagation.p50Ms,
                "p50 \(turns.latency.propagation.p50Ms) ms taking turns, \(ahead.latency.propagation.p50Ms) ms ahead")
        let depth = { (report: Report) in report.load.nodes[0].gauges["queue_depth"]?.max ?? 0 }
        #expect(depth(turns) > depth(ahead), "changes wait for the actor: \(depth(turns)) against \(depth(ahead))")
        #expect(turns.lostAcknowledgedWrites.isEmpty && turns.versionOrderViolations.isEmpty)

        let small = { (node: String) in try self.fanOut(users: 20, thinkMean: "100ms", node: node, duration: "3s") }
        let alone = try await simulate(try small(node(loops: 0, writes: false)))
        let alongside = try await simulate(try small(node(loops: 2, writes: false)))
        #expect(alone.report.identity.traceHash == alongside.report.identity.traceHash)
    }

    /// Sampled costs come from the run's seed: the same seed gives the same trace, another seed another.
    @Test func costDistributionsKeepRunsDeterministic() async throws {
        let node = "{per_delivery: {lognormal: {median: 20us, p99: 200us}}, per_recipient: {exponential: {mean: 2us}}}"
        let plan = try fanOut(users: 12, thinkMean: "50ms", node: node, duration: "4s")
        let first = try await simulate(plan, seed: 9)
        let second = try await simulate(plan, seed: 9)
        let other = try await simulate(plan, seed: 10)
        #expect(first.report.identity.traceHash == second.report.identity.traceHash)
        #expect(first.report.normalizedForDeterminism() == second.report.normalizedForDeterminism())
        #expect(first.report.identity.traceHash != other.report.identity.traceHash)
    }

    /// A node overloaded far past the end of the run (its cores booked many seconds ahead when the clients stop) is a
    /// report that says so, not a simulation failure: the backlog drains into the stopped node after the
    /// measurements. It used to end as "work pending" (one sleeper per connection, due long after the teardown).
    @Test func aNodeOverloadedPastTheEndOfTheRunStillGivesAReport() async throws {
        let node = "{cores: 1, per_message: 0us, per_recipient: 0us, per_store_call: 0us, per_delivery: 60ms, per_frame: 10us}"
        let plan = try fanOut(users: 20, thinkMean: "500ms", node: node, duration: "4s")
        // A round of changes, 20 × 19 deliveries × 60 ms on one core, books the core 23 s ahead: past the settle
        // time (3 s) and the teardown (5 s) that used to be all the run waited for.
        let report = try await simulate(plan, seed: 5).report
        #expect(!report.convergence.converged && !report.convergence.divergentClients.isEmpty, "the overload shows")
        #expect(!report.passed)
        #expect(report.lostAcknowledgedWrites.isEmpty)
        #expect(report.versionOrderViolations.isEmpty)
    }

    /// The simulator's defaults are the numbers in the committed measurement file, and the write-queue limit is
    /// the engine's (which the server's default is too).
    @Test func defaultsAreTheCommittedMeasurements() throws {
        let path = TandemBinary.packageRoot + "/Benchmarks/node-costs.json"
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        func micros(_ key: String) throws -> DurationDistribution {
            .fixed(.nanoseconds(Int64((try #require(json[key] as? Double, "\(key) in \(path)") * 1_000).rounded())))
        }
        let measured = NodeCosts.measured
        #expect(measured.cores == json["cores"] as? Int)
        #expect(measured.perMessage == (try micros("per_message_us")))
        #expect(measured.perRecipient == (try micros("per_recipient_us")))
        #expect(measured.perStoreCall == (try micros("per_store_call_us")))
        #expect(measured.perDelivery == (try micros("per_delivery_us")))
        #expect(measured.perWrite == (try micros("per_write_us")))
        #expect(measured.perFrame == (try micros("per_frame_us")))
        #expect(measured.eventLoops == json["event_loops"] as? Int)
        #expect(measured.cpuScale == 1, "the defaults are the speed of the machine they were measured on")
        #expect(measured.writeScale == nil, "per_write at the defaults' cpu_scale unless a host's write_scale is given")
        #expect(DurationDistribution.fixed(NodeCosts.measuredWriteProbe) == (try micros("write_probe_us")))
        #expect(measured.writeQueueMax == nil, "nil means the engine's limit, checked next")
        #expect(NodeLimits().outboundQueueCountMax == json["write_queue_max"] as? Int)
        #expect(Topology().node == measured, "a scenario without topology.node gets the measured costs")
    }
}
