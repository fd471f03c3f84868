import Foundation
import TandemLive
import TandemRuntime
import TandemScenario
import Testing

/// The fit `tandem calibrate` makes from the servers' `/metrics`: quantiles read back from the stage histograms,
/// the cost arithmetic, and the profile it writes.
struct CalibrationFitTests {
    /// The server's stage bounds: five per decade from 1 µs, then 10 s (`NodeStageHistograms.boundsSeconds`).
    static let bounds: [Double] = (-6...0).flatMap { exponent in
        ["1", "1.6", "2.5", "4", "6.3"].map { Double("\($0)e\(exponent)")! }
    } + [10]

    /// `samples` (seconds) as the server's histogram page writes one stage.
    static func page(_ stage: String, _ samples: [Double]) -> String {
        var lines = ["# TYPE tandem_node_stage_seconds histogram"]
        for bound in bounds {
            lines.append("tandem_node_stage_seconds_bucket{stage=\"\(stage)\",le=\"\(bound)\"} \(samples.count { $0 <= bound })")
        }
        lines.append("tandem_node_stage_seconds_bucket{stage=\"\(stage)\",le=\"+Inf\"} \(samples.count)")
        lines.append("tandem_node_stage_seconds_sum{stage=\"\(stage)\"} \(samples.reduce(0, +))")
        lines.append("tandem_node_stage_seconds_count{stage=\"\(stage)\"} \(samples.count)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func lognormalSamples(median: Duration, p99: Duration, count: Int, seed: UInt64) -> [Double] {
        var random = SplitMix64(seed: seed)
        let distribution = DurationDistribution.lognormal(median: median, p99: p99)
        return (0..<count).map { _ in Double(distribution.sample(using: &random).nanosecondsClamped) / 1e9 }
    }

    @Test func aLognormalStageIsRecoveredFromItsHistogramWithinFivePercent() throws {
        for (median, p99) in [(40.0, 200.0), (400.0, 2_000.0), (9.0, 15.0)] {
            let samples = Self.lognormalSamples(median: .nanoseconds(Int64(median * 1_000)), p99: .nanoseconds(Int64(p99 * 1_000)),
                                                count: 200_000, seed: 7)
            let metrics = StageMetrics.parse(Self.page("store_append", samples))
            let fit = CalibrationFit.fit(metrics)
            let store = try #require(fit.storeLatency)
            #expect(abs(store.median * 1e6 / median - 1) < 0.05, "median \(store.median * 1e6) µs, true \(median) µs")
            #expect(abs(store.p99 * 1e6 / p99 - 1) < 0.05, "p99 \(store.p99 * 1e6) µs, true \(p99) µs")
        }
    }

    /// On a host so loaded that the node's wall-clock stages exceed the process's CPU time, the share left for
    /// deliveries cannot be told: the profile still names the term, at 0, and says why.
    @Test func aDeliveryShareThatCannotBeSeparatedIsZeroAndSaysWhy() throws {
        let page = Self.page("busy", Array(repeating: 2e-3, count: 1_000))
            + Self.page("decode", Array(repeating: 8e-6, count: 1_000))
            + "tandem_commits_total 400\ntandem_messages_out_total 40000\nprocess_cpu_seconds_total 1.5\n"
        let fit = CalibrationFit.fit(StageMetrics.parse(page))
        let delivery = try #require(fit.nodeTerms.first { $0.key == "per_delivery" })
        #expect(delivery.median == 0 && delivery.p99 == 0)
        #expect(delivery.basis.contains("not separable"), "\(delivery.basis)")
    }

    @Test func theCostTermsFollowFromTheStagesAndTheCPU() throws {
        // 1,000 frames handled, each 50 µs of the node's own time; 400 of them committed a change whose fan-out
        // (100 frames out each) took 30 µs; 1,000 decodes of 8 µs; 40,000 frames out; 2.5 s of CPU.
        let page = Self.page("busy", Array(repeating: 50e-6, count: 1_000))
            + Self.page("fanout", Array(repeating: 30e-6, count: 400))
            + Self.page("decode", Array(repeating: 8e-6, count: 1_000))
            + "tandem_commits_total 400\ntandem_messages_out_total 40000\nprocess_cpu_seconds_total 2.5\n"
        let fit = CalibrationFit.fit(StageMetrics.parse(page))
        let terms = Dictionary(uniqueKeysWithValues: fit.nodeTerms.map { ($0.key, $0) })
        // Own time less the fan-outs: (1,000 × 50 − 400 × 30) / 1,000 = 38 µs per frame.
        let perMessage = try #require(terms["per_message"])
        #expect(abs(perMessage.median * 1e6 - 38) < 38 * 0.05, "\(perMessage)")
        // 30 µs over 100 frames out per fan-out.
        #expect(abs(try #require(terms["per_recipient"]).median * 1e6 - 0.3) < 1e-9)
        // (2.5 − 0.05 − 0.008) s over 40,000 frames out = 61.05 µs.
        #expect(abs(try #require(terms["per_delivery"]).median * 1e6 - 61.05) < 1e-6)
        #expect(abs(try #require(terms["per_frame"]).median * 1e6 - 8) < 8 * 0.05)
        #expect(fit.storeLatency == nil, "no appends observed: the store latency stays the scenario's")
    }

    @Test func theProfileItWritesLoadsBackToTheFittedValues() throws {
        let page = Self.page("store_append", Self.lognormalSamples(median: .microseconds(300), p99: .milliseconds(2), count: 20_000, seed: 3))
            + Self.page("busy", Self.lognormalSamples(median: .microseconds(40), p99: .microseconds(150), count: 5_000, seed: 4))
            + Self.page("fanout", Array(repeating: 12e-6, count: 100))
            + Self.page("decode", Self.lognormalSamples(median: .microseconds(6), p99: .microseconds(30), count: 5_000, seed: 5))
            + "tandem_commits_total 100\ntandem_messages_out_total 2000\nprocess_cpu_seconds_total 0.9\n"
        let fit = CalibrationFit.fit(StageMetrics.parse(page))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-fit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = folder.appendingPathComponent("profile.yaml")
        try fit.profileYAML(calibrated: [("from", "a \"quoted\" test")]).write(to: profile, atomically: true, encoding: .utf8)
        let scenario = try ScenarioLoader.load(yaml: """
            name: t
            duration: 10s
            models: [{name: Doc, fields: {title: string}}]
            population: [{group: g, users: 2, records: {model: Doc, count: 1}, behavior: {actions: {set_field: 1}}}]
            """, file: folder.appendingPathComponent("t.yaml").path, profile: profile.path)
        func nanos(_ seconds: Double) -> Duration { .nanoseconds(Int64((seconds * 1e9).rounded())) }
        func expected(_ term: CalibrationFit.Term) -> DurationDistribution {
            term.isFixed ? .fixed(nanos(term.median)) : .lognormal(median: nanos(term.median), p99: nanos(term.p99))
        }
        let store = try #require(fit.storeLatency)
        #expect(scenario.topology.storeLatency == expected(store))
        let terms = Dictionary(uniqueKeysWithValues: fit.nodeTerms.map { ($0.key, $0) })
        #expect(Set(terms.keys) == ["per_message", "per_recipient", "per_delivery", "per_frame"])
        #expect(scenario.topology.node.perMessage == expected(try #require(terms["per_message"])))
        #expect(scenario.topology.node.perRecipient == expected(try #require(terms["per_recipient"])))
        #expect(scenario.topology.node.perDelivery == expected(try #require(terms["per_delivery"])))
        #expect(scenario.topology.node.perFrame == expected(try #require(terms["per_frame"])))
        // What the fitted terms hold is written off, not charged again by the defaults.
        #expect(fit.pinned.map(\.key) == ["per_write", "per_store_call", "event_loops"])
        #expect(scenario.topology.node.perWrite.isZero && scenario.topology.node.perStoreCall.isZero)
        #expect(scenario.topology.node.eventLoops == 0)
        #expect(scenario.profile?.file == profile.path)
    }

    @Test func theRunPlayedIsTheLastPageLessTheFirst() throws {
        let start = StageMetrics.parse(Self.page("fanout", [1e-5, 2e-5]) + "tandem_commits_total 2\nprocess_cpu_seconds_total 1.5\n")
        let end = StageMetrics.parse(Self.page("fanout", [1e-5, 2e-5, 3e-5, 5e-5]) + "tandem_commits_total 4\nprocess_cpu_seconds_total 2\n")
        let played = try #require(end.since(start))
        #expect(played.stages["fanout"]?.count == 2)
        #expect(abs((played.stages["fanout"]?.sum ?? 0) - 8e-5) < 1e-12)
        #expect(played.stages["fanout"]?.cumulative.last == 2)
        #expect(played.values["tandem_commits_total"] == 2 && played.values["process_cpu_seconds_total"] == 0.5)
        #expect(start.since(end) == nil, "a value that went down: a restarted node, not one run")
    }

    @Test func pagesOfSeveralNodesAddUp() {
        let one = StageMetrics.parse(Self.page("fanout", [1e-5, 2e-5]) + "tandem_commits_total 2\n")
        let two = StageMetrics.parse(Self.page("fanout", [3e-5]) + "tandem_commits_total 1\n")
        let both = StageMetrics.merged([one, two])
        #expect(both.stages["fanout"]?.count == 3)
        #expect(abs((both.stages["fanout"]?.sum ?? 0) - 6e-5) < 1e-12)
        #expect(both.values["tandem_commits_total"] == 3)
        #expect(both.stages["fanout"]?.cumulative.last == 3)
    }
}
