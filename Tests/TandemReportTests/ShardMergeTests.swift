import Foundation
import TandemRuntime
import Testing

@testable import TandemReport

/// The shards of one run, merged, must be the run: the same percentiles (from every raw sample), the same windows,
/// the counts added up, the servers' own counters not, and the checkers' findings together.
@Suite struct ShardMergeTests {
    struct Sample {
        var client: Int
        var kind: LatencyKind
        var valueNanos: Int64
        var atNanos: Int64
    }

    /// `count` seeded samples from `clients` clients, about 3 ms apart.
    static func samples(clients: Int, count: Int, seed: UInt64) -> [Sample] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            // Times climb, with a little disorder, as samples from many sockets arrive; values are heavy-tailed.
            let atNanos = Int64(index) * 3_000_000 + Int64(random.bounded(20_000_000))
            let tail = random.bounded(100) == 0 ? Int64(random.bounded(900_000_000)) : 0
            return Sample(
                client: random.bounded(clients), kind: LatencyKind(rawValue: random.bounded(3))!,
                valueNanos: Int64(random.bounded(40_000_000)) + 200_000 + tail, atNanos: atNanos)
        }
    }

    /// Records what `clients` saw into one recorder, as a shard (or the whole run) does.
    static func recorder(of samples: [Sample], clients: (Int) -> Bool, serverCommits: Int64) -> MetricsRecorder {
        var recorder = MetricsRecorder()
        for sample in samples where clients(sample.client) {
            let origin = recorder.originID(node: "node-\(sample.client % 2 + 1)", group: sample.client < 5 ? "a" : "b")
            recorder.recordLatency(sample.kind, valueNanos: sample.valueNanos, atNanos: sample.atNanos, origin: origin)
            recorder.increment("actions.set_field")
            recorder.recordEvent(atNanos: sample.atNanos)
            recorder.recordGauge("clients.connected", value: Double(sample.client), atNanos: sample.atNanos)
        }
        recorder.increment("commits", node: "node-1", by: serverCommits)
        recorder.increment("load_generator.cpu_ms", by: Int64(samples.filter { clients($0.client) }.count))
        recorder.increment("load_generator.frames_in", by: 1_000)
        recorder.increment("load_generator.cpu_ns_per_frame_in", by: 1)
        recorder.addFaultWindow("partition", label: "partition node-1", fault: 1, startNanos: 20_000_000_000,
                                endNanos: 30_000_000_000)
        return recorder
    }

    static func partial(_ recorder: MetricsRecorder, shard: Shard, report: Report) -> PartialReport {
        PartialReport(
            shard: shard, scenarioFile: "Scenarios/x.yaml", report: report, metrics: recorder.snapshot(),
            sharedCounters: [PartialReport.counterKey("commits", .node("node-1"))])
    }

    static func identity(seed: UInt64 = 9) -> RunIdentity {
        RunIdentity(scenarioName: "x", scenarioFileHash: "abc", seed: seed, mode: .live, engineVersion: "0.1.0",
                    simulatedTimeMs: 60_000)
    }

    @Test func twoShardsMergedHaveTheWholeRunsPercentilesWindowsAndCounts() throws {
        let samples = Self.samples(clients: 10, count: 20_000, seed: 4)
        let whole = Self.recorder(of: samples, clients: { _ in true }, serverCommits: 500)
        let shards = try [Shard(index: 1, count: 2), Shard(index: 2, count: 2)]
        let partials = shards.map { shard in
            let recorder = Self.recorder(of: samples, clients: { shard.contains(member: $0) }, serverCommits: 500)
            return Self.partial(recorder, shard: shard, report: Report(identity: Self.identity()))
        }
        // Through JSON, as the files travel.
        let travelled = try partials.map { try JSONDecoder().decode(PartialReport.self, from: JSONEncoder().encode($0)) }
        let merged = try MergedShards(travelled.reversed())
        let expectations = [try ThresholdSpec(metric: "latency.propagation.p99{node: node-2}", expression: "< 1s")]
        let report = merged.report(expectations: expectations, phases: [])
        let expected = whole.makeReport(identity: Self.identity(), convergence: ConvergenceReport(),
                                        expectations: expectations)

        for kind in LatencyKind.allCases {
            var (got, want) = (report.latency[kind], expected.latency[kind])
            #expect(got.count > 1_000)
            // Over time, a sample that came after its bucket closed is "late" in one order and not in another.
            (got.overTime, want.overTime, got.lateCount, want.lateCount) = ([], [], 0, 0)
            #expect(got == want, "\(kind)")
        }
        #expect(report.latency.windows == expected.latency.windows)
        #expect(report.latency.windows.contains { $0.scope == "node: node-2" })
        #expect(report.load.run.counters["actions.set_field"] == 20_000)
        // The server's own counter was read by both shards: once, not twice.
        #expect(report.load.nodes.first { $0.node == "node-1" }?.counters["commits"] == 500)
        // A ratio is recomputed from the merged sums, not added up.
        #expect(report.load.run.counters["load_generator.cpu_ns_per_frame_in"] == Int64(20_000 * 1_000_000 / 2_000))
        #expect(report.load.eventsPerSecond == expected.load.eventsPerSecond)
        #expect(report.load.run.gauges["clients.connected"]?.max == 9)
        #expect(report.faults == expected.faults)
        #expect(report.thresholds == expected.thresholds)
    }

    @Test func oneSnapshotRebuildsItsOwnRecorder() throws {
        let samples = Self.samples(clients: 4, count: 3_000, seed: 11)
        let original = Self.recorder(of: samples, clients: { _ in true }, serverCommits: 7)
        let rebuilt = try MetricsRecorder(merging: [original.snapshot()])
        let identity = Self.identity()
        #expect(rebuilt.makeReport(identity: identity, convergence: ConvergenceReport())
                == original.makeReport(identity: identity, convergence: ConvergenceReport()))
    }

    @Test func theCheckersFindingsAreTheUnionAndConvergenceTheSum() throws {
        var first = Report(identity: Self.identity())
        first.convergence = ConvergenceReport(
            converged: true, settleStartedAtMs: 40_000, convergedAtMs: 41_000, withinMs: 1_000, divergentClients: [],
            timeline: [.init(tMs: 40_000, divergentCount: 2), .init(tMs: 41_000, divergentCount: 0),
                       .init(tMs: 42_000, divergentCount: 0)])
        var second = Report(identity: Self.identity())
        second.convergence = ConvergenceReport(
            converged: true, settleStartedAtMs: 40_000, convergedAtMs: 40_000, withinMs: 0, divergentClients: [],
            timeline: [.init(tMs: 40_001, divergentCount: 0), .init(tMs: 41_002, divergentCount: 3),
                       .init(tMs: 42_001, divergentCount: 0)])
        let ghost = PresenceGhost(observer: "node-1", ghost: "a-3", record: "Ticket:1")
        first.presence.ghostsAfterSettle = [ghost]
        second.presence.ghostsAfterSettle = [ghost]
        second.lostAcknowledgedWrites = [LostWrite(changeID: "c1", record: "Ticket:1", field: "title", detail: "gone")]
        let empty = MetricsRecorder().snapshot()
        let merged = try MergedShards([
            PartialReport(shard: try Shard(index: 1, count: 2), scenarioFile: "x", report: first, metrics: empty,
                          sharedCounters: []),
            PartialReport(shard: try Shard(index: 2, count: 2), scenarioFile: "x", report: second, metrics: empty,
                          sharedCounters: []),
        ])
        #expect(merged.convergence.timeline.map(\.divergentCount) == [2, 3, 0])
        #expect(merged.convergence.convergedAtMs == 42_001)
        #expect(merged.convergence.withinMs == 2_001)
        #expect(merged.presenceGhosts == [ghost], "both shards probed node-1: one ghost")
        #expect(merged.lostAcknowledgedWrites.count == 1)
        #expect(!merged.report(expectations: [], phases: []).passed)
    }

    @Test func aMergeRefusesMissingDuplicateAndForeignShards() throws {
        let empty = MetricsRecorder().snapshot()
        func partial(_ index: Int, of count: Int, seed: UInt64 = 9) throws -> PartialReport {
            PartialReport(shard: try Shard(index: index, count: count), scenarioFile: "x",
                          report: Report(identity: Self.identity(seed: seed)), metrics: empty, sharedCounters: [])
        }
        func refusal(_ partials: [PartialReport]) -> String {
            do {
                _ = try MergedShards(partials)
                return "merged"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal([try partial(1, of: 3), try partial(3, of: 3)]).contains("shard(s) 2/3 missing"))
        #expect(refusal([try partial(1, of: 2), try partial(2, of: 2), try partial(2, of: 2)])
                    .contains("shard 2/2 given twice"))
        #expect(refusal([try partial(1, of: 2), try partial(2, of: 2, seed: 10)]).contains("its seed differs"))
        #expect(refusal([try partial(1, of: 2), try partial(1, of: 3)]).contains("shard count"))
        #expect(refusal([]).contains("nothing to merge"))
    }

    @Test func shardsSliceTheUsersEvenlyAndShareCounts() throws {
        let shards = try (1...3).map { try Shard(index: $0, count: 3) }
        for member in 0..<100 { #expect(shards.filter { $0.contains(member: member) }.count == 1) }
        #expect(shards.map { shard in (0..<100).filter { shard.contains(member: $0) }.count } == [34, 33, 33])
        for total in [0, 1, 2, 5, 20] { #expect(shards.map { $0.share(of: total) }.reduce(0, +) == total) }
        #expect(try Shard(parsing: "2/4") == Shard(index: 2, count: 4))
        for bad in ["0/2", "3/2", "2", "a/b", "1/0", "1/2/3"] {
            #expect(throws: ShardError.self, "\(bad)") { try Shard(parsing: bad) }
        }
    }
}
