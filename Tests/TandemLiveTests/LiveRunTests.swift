import Foundation
import TandemCoreTestSupport
import Testing

/// Whole scenarios live, as an engineer runs them: real tandem-server nodes, redis-server and PostgreSQL, real
/// WebSockets, real SIGKILLs; the report says `mode: live`, the checkers bite, and nothing is left running.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct LiveRunTests {
    /// Two nodes race for one record; node-2 is killed and restarted in the middle.
    static let race = """
        name: live-race
        description: two nodes race for one record; node-2 is SIGKILLed and restarted
        seed: 3
        duration: 14s
        settle: 10s
        topology:
          nodes: 2
          broker: {kind: redis-streams}
          heartbeat: {interval: 2s, timeout: 6s}
        models:
          - name: Ticket
            fields: {title: string, points: number}
        population:
          - group: agents
            users: 12
            records: {model: Ticket, count: 1}
            behavior:
              think_time: {exponential: {mean: 600ms}}
              actions: {set_field: 1}
        faults:
          - at: 7s
            crash: {node: node-2, restart_after: 2s}
        expect:
          lost_acknowledged_writes: 0
        """

    @Test func liveSmokePassesThroughTandemRunLiveAndLeavesNothingRunning() async throws {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = Self.packageRoot.appendingPathComponent("Scenarios/live-smoke.yaml").path
        let out = folder.appendingPathComponent("reports")
        let run = try LiveClusterTests.start(
            ["run", scenario, "--live", "--out", out.path], environment: ["TMPDIR": folder.path], binary: "tandem")
        try await run.end("the live run", within: .seconds(420))
        #expect(run.process.terminationStatus == 0, "\(run.output())\n\(run.errors().suffix(3_000))")
        let report = try Self.report(out.appendingPathComponent("live-smoke/5/report.json"))
        let identity = try #require(report["identity"] as? [String: Any])
        #expect(identity["mode"] as? String == "live")
        #expect(report["passed"] as? Bool == true, "\(Self.findings(report))")
        let latency = try #require(report["latency"] as? [String: Any])
        let propagation = try #require(latency["propagation"] as? [String: Any])
        #expect((propagation["count"] as? Int ?? 0) > 1_000, "every user's edits reached the others: \(propagation)")
        let faults = try #require(report["faults"] as? [[String: Any]])
        #expect(faults.count == 4, "crash, partition, disconnect, latency spike: \(faults)")
        let counters = Self.runCounters(report)
        #expect((counters["faults.disconnected_clients"] ?? 0) >= 5, "\(counters)")
        #expect((counters["load_generator.frames_in"] ?? 0) > 0, "\(counters)")
        #expect(run.errors().contains("node-2 restarted"), "\(run.errors().suffix(2_000))")
        // Every acknowledged change was committed once by some node, node-2's before its kill included: the run reads
        // a node's counters just before killing it (only a change committed in those few milliseconds can be missed).
        let nodes = try #require((report["load"] as? [String: Any])?["nodes"] as? [[String: Any]])
        let commits = nodes.map { (($0["counters"] as? [String: Any])?["commits"] as? Int) ?? 0 }
        let acks = try #require(latency["ack"] as? [String: Any])["count"] as? Int ?? 0
        #expect(commits.reduce(0, +) + 2 >= acks, "commits by node \(commits), acks \(acks)")
        try await Self.expectNothingRunning(under: folder)
    }

    /// A third of the users lose their network for good (the proxy keeps the node's side silent).
    static let vanish = """
        name: live-vanish
        description: three users lose their network for good; their nodes must let them go
        seed: 4
        duration: 10s
        settle: 10s
        topology:
          nodes: 2
          broker: {kind: redis-streams}
          heartbeat: {interval: 2s, timeout: 6s}
        models:
          - name: Ticket
            fields: {title: string}
        population:
          - group: agents
            users: 9
            records: {model: Ticket, count: 1}
            behavior:
              think_time: {exponential: {mean: 1s}}
              actions: {set_field: 0.5, move_cursor: 0.5}
        faults:
          - at: 5s
            disconnect: {clients: 3}
        """

    @Test func serversThatAcknowledgeBeforeTheyStoreFailTheLostWriteCheck() async throws {
        let report = try await Self.brokenThenSound(Self.race, switch: "--ack-before-persist", report: "live-race/3")
        let writes = try #require(report["lost_acknowledged_writes"] as? [[String: Any]])
        #expect(!writes.isEmpty, "acks sent before the store write go missing when appends clash or a node dies")
    }

    @Test func serversThatNeverExpireSilentConnectionsFailThePresenceCheck() async throws {
        let report = try await Self.brokenThenSound(Self.vanish, switch: "--no-presence-expiry", report: "live-vanish/4")
        let presence = try #require(report["presence"] as? [String: Any])
        let ghosts = try #require(presence["ghosts_after_settle"] as? [[String: Any]])
        #expect(!ghosts.isEmpty, "the nodes still show the three vanished users: \(presence)")
    }

    /// Runs `scenario` against servers broken by `switch` (exit 1 expected) and against sound ones (exit 0: the
    /// checker does not cry wolf); returns the broken run's report (`report` is its `<scenario>/<seed>` folder).
    static func brokenThenSound(_ scenario: String, switch: String, report: String) async throws -> [String: Any] {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("scenario.yaml")
        try scenario.write(to: file, atomically: true, encoding: .utf8)
        var reports: [String: Any] = [:]
        for (label, arguments, status) in [("broken", [`switch`], Int32(1)), ("sound", [], 0)] {
            let out = folder.appendingPathComponent(label)
            let run = try LiveClusterTests.start(["run", file.path, "--out", out.path] + arguments,
                                                 environment: ["TMPDIR": folder.path])
            try await run.end("the \(label) run", within: .seconds(240))
            #expect(run.process.terminationStatus == status, "\(label): \(run.output())\n\(run.errors().suffix(2_000))")
            if label == "broken" { reports = try Self.report(out.appendingPathComponent("\(report)/report.json")) }
        }
        try await Self.expectNothingRunning(under: folder)
        return reports
    }

    @Test func usersRunAgainstServersSomeoneElseStartedAndProcessFaultsAreRefused() async throws {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("staging.yaml")
        try """
            name: live-staging
            seed: 2
            duration: 8s
            settle: 4s
            models:
              - name: Ticket
                fields: {title: string, body: text}
            population:
              - group: agents
                users: 6
                records: {model: Ticket, count: 1}
                behavior:
                  think_time: {exponential: {mean: 500ms}}
                  actions: {type_text: 0.5, set_field: 0.5}
            """.write(to: file, atomically: true, encoding: .utf8)
        let (up, arguments) = try await Self.standUp(file, in: folder)
        let out = folder.appendingPathComponent("reports")
        let run = try LiveClusterTests.start(arguments + ["--out", out.path, "--seed", "2"])
        try await run.end("the run against the targets", within: .seconds(120))
        #expect(run.process.terminationStatus == 0, "\(run.output())\n\(run.errors().suffix(2_000))")
        let report = try Self.report(out.appendingPathComponent("live-staging/2/report.json"))
        #expect((report["identity"] as? [String: Any])?["mode"] as? String == "live")

        let crash = folder.appendingPathComponent("crash.yaml")
        try (try String(contentsOf: file, encoding: .utf8) + "\nfaults:\n  - at: 2s\n    crash: {node: node-1}\n")
            .write(to: crash, atomically: true, encoding: .utf8)
        let refused = try LiveClusterTests.start(["run", crash.path] + arguments.dropFirst(2))
        try await refused.end("the refusal", within: .seconds(15))
        #expect(refused.process.terminationStatus == 2)
        #expect(refused.errors().contains("faults[0] (crash)") && refused.errors().contains("--target"),
                "\(refused.errors())")
        kill(up.process.processIdentifier, SIGINT)
        try await waitUntil("tandem-live up to stop", timeout: .seconds(60)) { !up.process.isRunning }
        try await Self.expectNothingRunning(under: folder)
    }

    /// The load generator outgrows one machine first: N processes each play a slice of the users against the same
    /// servers from a shared start time, and `tandem merge` puts their partial reports back together.
    @Test func twoShardsMergedCountWhatOneUnshardedRunCounts() async throws {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("shards.yaml")
        // A fixed think time, so each user acts on the same beat whichever process drives it.
        try """
            name: live-shards
            seed: 4
            duration: 10s
            settle: 4s
            models:
              - name: Ticket
                fields: {title: string, points: number}
            population:
              - group: agents
                users: 8
                records: {model: Ticket, count: 4}
                behavior:
                  think_time: {fixed: 600ms}
                  actions: {set_field: 1}
            expect:
              lost_acknowledged_writes: 0
            """.write(to: file, atomically: true, encoding: .utf8)
        let (up, arguments) = try await Self.standUp(file, in: folder)
        // Stopped however the test ends (a failed expectation that throws must not leave a cluster behind).
        defer { if up.process.isRunning { kill(up.process.processIdentifier, SIGINT) } }
        let target = Array(arguments.dropFirst(2))
        let out = folder.appendingPathComponent("reports")

        let whole = try LiveClusterTests.start(["run", file.path] + target + ["--out", out.appendingPathComponent("whole").path])
        try await whole.end("the unsharded run", within: .seconds(120))
        #expect(whole.process.terminationStatus == 0, "\(whole.output())\n\(whole.errors().suffix(2_000))")

        let sharded = out.appendingPathComponent("sharded")
        let startAt = String(Int(Date().timeIntervalSince1970) + 15)
        let shards = try (1...2).map { index in
            try LiveClusterTests.start(["run", file.path] + target
                + ["--out", sharded.path, "--shard", "\(index)/2", "--start-at", startAt])
        }
        try await waitUntil("both shards to end", timeout: .seconds(150)) { shards.allSatisfy { !$0.process.isRunning } }
        for shard in shards {
            #expect(shard.process.terminationStatus == 0, "\(shard.output())\n\(shard.errors().suffix(2_000))")
            #expect(shard.errors().contains("logging in 4 users (shard"), "\(shard.errors().prefix(2_000))")
        }
        let merged = out.appendingPathComponent("merged")
        let merge = try LiveClusterTests.start(
            ["merge", sharded.appendingPathComponent("live-shards/4").path, "--out", merged.path], binary: "tandem")
        try await merge.end("the merge", within: .seconds(15))
        #expect(merge.process.terminationStatus == 0, "\(merge.output())\n\(merge.errors())")
        #expect(merge.output().contains("merged 2 shards of live-shards seed 4"), "\(merge.output())")

        let one = try Self.report(out.appendingPathComponent("whole/live-shards/4/report.json"))
        let parts = try (1...2).map { try Self.report(sharded.appendingPathComponent("live-shards/4/shard-\($0)-of-2/report.json")) }
        let both = try Self.report(merged.appendingPathComponent("live-shards/4/report.json"))
        #expect(both["passed"] as? Bool == true)
        #expect((both["identity"] as? [String: Any])?["mode"] as? String == "live")
        func propagation(_ report: [String: Any]) -> Int {
            ((report["latency"] as? [String: Any])?["propagation"] as? [String: Any])?["count"] as? Int ?? -1
        }
        func actions(_ report: [String: Any]) -> Int { Self.runCounters(report)["actions.set_field"] ?? -1 }
        // The merge is exact: every shard's samples and counts, once.
        #expect(propagation(both) == propagation(parts[0]) + propagation(parts[1]))
        #expect(actions(both) == actions(parts[0]) + actions(parts[1]))
        // And the shards together did what one process did with the same users: every user acts on the same beat
        // (16 actions each in 10 s; one due while its client is still joining is skipped, so a few may differ); who
        // saw whose change depends on the wall clock, so within a tenth.
        #expect(actions(one) > 100 && abs(actions(both) - actions(one)) <= 4,
                "merged \(actions(both)), unsharded \(actions(one))")
        let ratio = Double(propagation(both)) / Double(max(1, propagation(one)))
        #expect(ratio > 0.9 && ratio < 1.1, "merged \(propagation(both)) vs unsharded \(propagation(one)) propagations")

        kill(up.process.processIdentifier, SIGINT)
        try await waitUntil("tandem-live up to stop", timeout: .seconds(60)) { !up.process.isRunning }
        try await Self.expectNothingRunning(under: folder)
    }

    @Test func ctrlCStopsARunAndEverythingItStarted() async throws {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("race.yaml")
        try Self.race.write(to: file, atomically: true, encoding: .utf8)
        let run = try LiveClusterTests.start(["run", file.path, "--out", folder.path], environment: ["TMPDIR": folder.path])
        try await waitUntil("the run to start playing: \(run.errors())", timeout: .seconds(120)) {
            run.errors().contains("playing") || !run.process.isRunning
        }
        #expect(run.process.isRunning, "\(run.errors())")
        kill(run.process.processIdentifier, SIGINT)
        try await waitUntil("tandem-live to exit", timeout: .seconds(60)) { !run.process.isRunning }
        #expect(run.process.terminationStatus == 130, "\(run.errors())")
        try await Self.expectNothingRunning(under: folder)
    }

    @Test func aMissingServerBinaryIsOneLineAndExit2() async throws {
        let folder = try LiveClusterTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("race.yaml")
        try Self.race.write(to: file, atomically: true, encoding: .utf8)
        let run = try LiveClusterTests.start(["run", file.path, "--server-binary", folder.appendingPathComponent("nope").path])
        try await waitUntil("tandem-live to exit") { !run.process.isRunning }
        #expect(run.process.terminationStatus == 2)
        #expect(run.errors().contains("nope") && run.errors().contains("not an executable"), "\(run.errors())")
    }

    // MARK: Helpers

    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `tandem-live up FILE`, once it is ready, and the `run FILE --target …` arguments it prints.
    static func standUp(_ file: URL, in folder: URL) async throws -> (LiveClusterTests.Run, [String]) {
        let up = try LiveClusterTests.start(["up", file.path], environment: ["TMPDIR": folder.path])
        try await waitUntil("tandem-live up to say ready: \(up.output())", timeout: .seconds(120)) {
            up.output().contains("\nready\n") || !up.process.isRunning
        }
        let command = try #require(LiveClusterTests.matches(#"run against it: tandem-live (.+)"#, in: up.output()).first)
        return (up, command.split(separator: " ").map(String.init))
    }

    static func report(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// What the checkers found, in the report's own words: enough to tell a real fault from a slow machine.
    static func findings(_ report: [String: Any]) -> String {
        ["version_order_violations", "lost_acknowledged_writes", "convergence", "presence", "thresholds"]
            .map { key in
                let value = report[key].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
                return "\(key): " + (value.flatMap { String(data: $0, encoding: .utf8) }.map { String($0.prefix(2_000)) } ?? "-")
            }
            .joined(separator: "\n")
    }

    static func runCounters(_ report: [String: Any]) -> [String: Int] {
        let load = report["load"] as? [String: Any]
        let run = load?["run"] as? [String: Any]
        return (run?["counters"] as? [String: Int]) ?? [:]
    }

    /// No process (zombies aside) has `folder` in its command line: every server, redis-server and postmaster the
    /// run started under it is gone.
    static func expectNothingRunning(under folder: URL) async throws {
        func survivors() -> [String] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap { entry -> String? in
                guard let pid = Int32(entry), pid != getpid(),
                      let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
                let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                guard line.contains(folder.path) else { return nil }
                let state = LiveClusterTests.state(of: pid)
                return state == "Z" || state == "gone" ? nil : "\(pid) \(line)"
            }
        }
        try await waitUntil("every process under \(folder.path) to be gone: \(survivors())", timeout: .seconds(15)) {
            survivors().isEmpty
        }
    }
}
