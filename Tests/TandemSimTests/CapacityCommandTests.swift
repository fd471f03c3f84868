import Foundation
import Synchronization
import TandemCoreTestSupport
import Testing
import TandemReport

/// `tandem capacity`, the real binary, on a cluster whose only cost is the node actor's `per_message`: the
/// capacity it finds is the queueing arithmetic's, more nodes never hold fewer users, the HTML has its charts,
/// and bad input is one line and exit code 2.
@Suite struct CapacityCommandTests {
    /// Every user shares one record and changes a number at exponential intervals (mean 500 ms), and pings every
    /// 2 s (the scenario's 2 s heartbeat): 2.5 inbound messages per second, each holding its node's actor for 50 ms.
    /// One node saturates at 1 / (2.5 × 0.05) = 8 users; round-robin placement puts ⌈U / n⌉ users on the busiest of
    /// n nodes.
    static let scenario = """
        name: cpu-bound
        seed: 1
        duration: 10s
        settle: 3s
        topology:
          nodes: 1
          heartbeat: {interval: 2s, timeout: 6s}
          store: {latency: 100us}
          links:
            client_node: {latency: 1ms}
            node_store: {latency: 0ms}
          node:
            {cores: 1, per_message: 50ms, per_recipient: 0us, per_store_call: 0us, per_delivery: 0us, per_frame: 0us}
        models:
          - name: Doc
            fields: {size: number}
        population:
          - group: users
            users: 4
            records: {model: Doc, count: 1}
            behavior:
              think_time: {exponential: {mean: 500ms}}
              actions: {set_field: 1}
        phases:
          - ramp: {to: 4, over: 2s}
          - steady: 8s

        """
    static let messagesPerUserPerSecond = 2.5
    static let serviceSeconds = 0.05

    static func scratch(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-capacity-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try scenario.write(to: folder.appendingPathComponent("cpu-bound.yaml"), atomically: true, encoding: .utf8)
        return folder.path
    }

    static func capacity(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runToCompletion(URL(fileURLWithPath: try TandemBinary.path()), ["capacity"] + arguments)
    }

    /// The p99 SLO (1 s, 20 service times) allows queues of an M/D/1-like node at 75–100 % utilisation; past
    /// 100 % the backlog grows for the whole run and p99 is seconds.
    @Test func theCapacityIsTheQueueingArithmeticsAndGrowsWithNodes() async throws {
        let work = try Self.scratch("cpu")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let run = try await Self.capacity([
            work + "/cpu-bound.yaml", "--slo", "latency.propagation.p99{phase: steady} < 1s", "--users", "2..30",
            "--nodes", "1..3", "--seeds", "2", "--precision", "10%", "--jobs", "2", "--out", work + "/out",
        ])
        #expect(run.status == 0, "\(run.output)")
        let plan = try CapacityPlan.decode(from: Data(contentsOf: URL(fileURLWithPath: work + "/out/capacity.json")))
        #expect(plan.results.map(\.nodes) == [1, 2, 3])
        #expect(plan.monotonicityViolations.isEmpty)
        var previous = 0
        for result in plan.results {
            let capacity = try #require(result.capacity)
            let busiest = (Double(capacity) / Double(result.nodes)).rounded(.up)
            let utilisation = busiest * Self.messagesPerUserPerSecond * Self.serviceSeconds
            #expect(utilisation >= 0.75 && utilisation <= 1.0, "\(result.nodes) node(s): \(capacity) users")
            #expect(capacity >= previous)
            previous = capacity
            let failing = try #require(result.firstFailing)
            #expect(failing > capacity && Double(failing - capacity) <= max(1, 0.1 * Double(capacity)))
            if let knee = result.knee { #expect(knee.users <= capacity) }
            #expect(result.usl != nil)
        }
        #expect(
            run.output.contains("3 nodes hold \(plan.results[2].capacity!) users at propagation.p99{phase: steady} "))
        let html = try String(contentsOfFile: work + "/out/capacity.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count == 3)
        #expect(html.contains("<line class=\"slo\""))
        #expect(html.contains("<polyline class=\"fit "))
        #expect(html.contains("<circle class=\"knee "))
        let markdown = try String(contentsOfFile: work + "/out/capacity.md", encoding: .utf8)
        #expect(markdown.contains("**" + plan.answer[0] + "**"))
    }

    /// Three machines each search one node count (`--shard I/3`, one worker process each); `tandem merge` of their
    /// files measures the answer's extra point and writes what the unsharded search on two threads of one process
    /// (`--in-process`) writes, byte for byte but for the wall time.
    @Test func shardsMergedWriteWhatTheWholeSearchWrites() async throws {
        let work = try Self.scratch("shards")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let search = [
            work + "/cpu-bound.yaml", "--slo", "latency.propagation.p99{phase: steady} < 1s", "--users", "2..30",
            "--nodes", "1..3", "--seeds", "1", "--precision", "20%", "--target", "12",
        ]
        let whole = try await Self.capacity(search + ["--jobs", "2", "--in-process", "--out", work + "/whole"])
        #expect(whole.status == 0, "\(whole.output)")
        for index in 1...3 {
            let shard = try await Self.capacity(search + ["--jobs", "1", "--shard", "\(index)/3", "--out", work + "/m\(index)"])
            #expect(shard.status == 0, "\(shard.output)")
            #expect(shard.output.contains("capacity shard \(index)/3: node counts \(index), "), "\(shard.output)")
            #expect(FileManager.default.fileExists(atPath: work + "/m\(index)/capacity-shard-\(index)-of-3.json"))
            #expect(!FileManager.default.fileExists(atPath: work + "/m\(index)/capacity.json"))
        }
        let tandem = URL(fileURLWithPath: try TandemBinary.path())
        let missing = try await runToCompletion(tandem, ["merge", work + "/m1", work + "/m3", "--out", work + "/merged"])
        #expect(missing.status == 2)
        #expect(missing.output == "tandem merge: a capacity search in 3 shards needs shards 1…3 once each (missing: 2)\n")
        let merge = try await runToCompletion(
            tandem, ["merge", work + "/m1", work + "/m2", work + "/m3", "--out", work + "/merged"])
        #expect(merge.status == 0, "\(merge.output)")
        func plan(_ folder: String) throws -> (plan: CapacityPlan, json: String) {
            let data = try Data(contentsOf: URL(fileURLWithPath: work + "/\(folder)/capacity.json"))
            var plan = try CapacityPlan.decode(from: data)
            plan.wallTimeMs = 0
            return (plan, String(decoding: try plan.jsonData(), as: UTF8.self))
        }
        let (wholePlan, wholeJSON) = try plan("whole")
        let (mergedPlan, mergedJSON) = try plan("merged")
        #expect(mergedJSON == wholeJSON)
        // The answer quotes 12 users on the node count below the recommended one, which no shard measured.
        #expect(wholePlan.answer[0].hasPrefix("2 nodes hold 12 users at "), "\(wholePlan.answer)")
        #expect(mergedPlan.results[0].point(users: 12) != nil)
        #expect(merge.output.contains(wholePlan.answer[0]))
        let html = try String(contentsOfFile: work + "/merged/capacity.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count == 3)
    }

    /// The simulations run in worker processes: one killed with SIGKILL mid-search fails the simulation it had
    /// (a seed of one point, saying so), a new worker takes the next job, and the search finishes.
    @Test func aWorkerKilledWithSIGKILLFailsItsPointNotTheSearch() async throws {
        let work = try Self.scratch("kill")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TandemBinary.path())
        process.arguments = [
            "capacity", work + "/cpu-bound.yaml", "--slo", "latency.propagation.p99{phase: steady} < 1s", "--users",
            "2..30", "--nodes", "1..2", "--seeds", "2", "--precision", "10%", "--jobs", "2", "--out", work + "/out",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The worker is found and killed from a thread of its own, polling /proc every 2 ms: a task on the
        // cooperative pool can wait seconds for a thread while the other tests' simulations hold both, and the
        // search could end before it looked (CI saw exactly that). Killed as soon as it appears, a worker is in its
        // first simulation (it is started for one and handed it at once), so that simulation fails.
        let killed = Mutex<pid_t?>(nil)
        let killer = Thread {
            let deadline = Date().addingTimeInterval(300)
            while process.isRunning && Date() < deadline {
                if let pid = Self.worker(of: work + "/cpu-bound.yaml") {
                    if kill(pid, SIGKILL) == 0 { killed.withLock { $0 = pid } }
                    return
                }
                usleep(2_000)
            }
        }
        killer.start()
        try await waitUntil("tandem capacity to finish", timeout: .seconds(600)) { !process.isRunning }
        #expect(killed.withLock { $0 } != nil, "no capacity-worker of \(work) was seen while the search ran")
        #expect(process.terminationStatus == 0)
        let plan = try CapacityPlan.decode(from: Data(contentsOf: URL(fileURLWithPath: work + "/out/capacity.json")))
        // (Overloaded points have checker failures of their own: the runs end with changes still in flight.)
        let failures = plan.results.flatMap(\.points).flatMap(\.failures).filter { $0.contains("worker process") }
        #expect(failures.count == 1, "\(failures)")
        #expect(failures.first.map {
            $0.contains(": the simulation's worker process was killed by signal 9 (")
        } == true, "\(failures)")
        #expect(plan.results.map(\.nodes) == [1, 2])
        #expect(plan.results.allSatisfy { $0.capacity != nil })
    }

    /// The pid of a running `tandem capacity-worker` for `scenario`, from /proc.
    static func worker(of scenario: String) -> pid_t? {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { pid_t($0) } ?? []
        return processes.first { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
            return arguments.count > 2 && arguments[1] == "capacity-worker" && arguments[2] == scenario
        }
    }

    @Test(arguments: [
        (["--slo", "latency.propagation.p99 < 100ms", "--users", "2..30", "--shard", "3/2"],
         "tandem capacity: shard 3 of 2: I runs from 1 to N"),
        (["--slo", "latency.propagation.p99 < 100ms", "--users", "2..30", "--shard", "1/2", "--verify-live"],
         "tandem capacity: --verify-live needs the whole search's answer: give it to `tandem merge`, which runs it"),
        (["--slo", "latency.propagaton.p99 < 100ms", "--users", "2..30"],
         "tandem capacity: --slo 'latency.propagaton.p99 < 100ms': unknown metric 'latency.propagaton.p99'; "
            + "did you mean 'latency.propagation.p99'?"),
        (["--slo", "latency.propagation.p99 < 100ms", "--users", "30..2"],
         "tandem capacity: --users '30..2': the range is empty (30 > 2)"),
        (["--slo", "latency.propagation.p99 < 100ms", "--users", "2..30", "--nodes", "0..2"],
         "tandem capacity: --nodes '0..2': must lie within 1..256"),
        (["--slo", "latency.propagation.p99 < 100ms", "--users", "2..30", "--target", "31"],
         "tandem capacity: --target 31 lies outside --users 2..30"),
        (["--users", "2..30"],
         "tandem capacity: give at least one --slo, e.g. --slo \"latency.propagation.p99 < 100ms\""),
        (["--slo", "latency.propagation.p99 < 100ms", "--users", "2..30", "--verify-live", "--no-gap-recovery"],
         "tandem capacity: --no-gap-recovery and --wire are the simulator's; the live run has the servers' own"),
    ])
    func badInputIsOneLineAndExitCodeTwo(arguments: [String], message: String) async throws {
        let work = try Self.scratch("bad-\(abs(message.hashValue))")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let run = try await Self.capacity([work + "/cpu-bound.yaml"] + arguments + ["--out", work + "/out"])
        #expect(run.status == 2)
        #expect(run.output == message + "\n")
        #expect(!FileManager.default.fileExists(atPath: work + "/out"))
    }
}
