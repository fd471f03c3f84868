import Foundation
import Testing

@testable import TandemServer

/// `/metrics` times the node's stages (`tandem_node_stage_seconds{stage=…}`) and reports the process's CPU time:
/// what the simulator's cost model is fitted from.
@Suite(.serialized)
struct StageMetricsTests {
    @Test func everyStageIsTimedOncePerItsEventAndTheCPUTimeIsThere() async throws {
        try await withServer { server in
            let alice = try await ProtocolClient.login(server, as: "alice")
            let bob = try await ProtocolClient.login(server, as: "bob")
            try await alice.join()
            try await bob.join()
            let before = try await Self.page(server)
            let changes = 6
            for version in 0..<changes {
                #expect(try await alice.change("age", value: "\(version)", base: version, rid: 10 + version).int("version")
                        == version + 1)
                _ = try await bob.next("model_changed")
            }
            let after = try await Self.page(server)
            func added(_ stage: String, _ part: String = "count") -> Double {
                let name = "tandem_node_stage_seconds_\(part){stage=\"\(stage)\"}"
                return (after[name] ?? -1) - (before[name] ?? 0)
            }
            // One decode, one wait for the node and one handling per frame alice sent; one append and one fan-out
            // per change (bob's client answers nothing).
            #expect(added("decode") == Double(changes), "\(after)")
            #expect(added("queue_wait") == Double(changes))
            #expect(added("handle") == Double(changes))
            #expect(added("busy") == Double(changes))
            #expect(added("store_append") == Double(changes))
            #expect(added("fanout") == Double(changes))
            // Handling a change includes its append: the node's time on the changes is at least the store's.
            #expect(added("handle", "sum") >= added("store_append", "sum"))
            #expect(added("store_append", "sum") > 0)
            // The node's own time is its handling less the waits (the appends among them), and holds the fan-outs.
            #expect(added("busy", "sum") > 0 && added("busy", "sum") <= added("handle", "sum") - added("store_append", "sum") + 1e-6)
            #expect(added("busy", "sum") >= added("fanout", "sum") - 1e-6)
            // Buckets are cumulative and end at the count.
            let buckets = NodeStageHistograms.boundsSeconds.map {
                after["tandem_node_stage_seconds_bucket{stage=\"handle\",le=\"\(PrometheusExposition.number($0))\"}"] ?? -1
            }
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0 <= $1 } && buckets.allSatisfy { $0 >= 0 }, "\(buckets)")
            #expect(after["tandem_node_stage_seconds_bucket{stage=\"handle\",le=\"+Inf\"}"]
                    == after["tandem_node_stage_seconds_count{stage=\"handle\"}"])
            let cpu = try #require(after["process_cpu_seconds_total"])
            let user = try #require(after["tandem_process_cpu_ticks_total{mode=\"user\"}"])
            let system = try #require(after["tandem_process_cpu_ticks_total{mode=\"system\"}"])
            #expect(cpu > 0 && abs(cpu - (user + system) / Double(ProcessCPU.ticksPerSecond)) < 0.05, "\(cpu) \(user) \(system)")
        }
    }

    @Test func theCPUTimeIsReadPastACommandNameWithSpacesAndParentheses() {
        let stat = "4242 (tandem (x) y) S 1 4242 4242 0 -1 4194560 1905 0 0 0 731 268 0 0 20 0 9 0 123 456 789"
        #expect(ProcessCPU.parse(stat) == ProcessCPU(userTicks: 731, systemTicks: 268))
        #expect(ProcessCPU.parse("4242 (tandem) S 1 2") == nil)
        #expect(ProcessCPU.parse("garbage") == nil)
        #expect(ProcessCPU.read() != nil, "this test runs on Linux, which has /proc/self/stat")
    }

    /// Every sample of the page by its full name, labels included.
    static func page(_ server: ServerProcess) async throws -> [String: Double] {
        let body = try await HTTP.request("GET", "\(server.baseURL)/metrics").body
        return body.split(separator: "\n").reduce(into: [:]) { samples, line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return }
            samples[String(line[..<space])] = value
        }
    }
}
