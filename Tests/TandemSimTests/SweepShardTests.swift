import Foundation
import TandemCoreTestSupport
import TandemReport
import Testing

/// `tandem sweep --shard I/N` on three "machines", then `tandem merge`: exactly what the unsharded sweep writes.
@Suite struct SweepShardTests {
    /// smoke-10 with a tight p99 threshold, so that some seeds fail (and write reports) and some pass: on this engine,
    /// seeds 2, 3 and 5 of 1…6 fail it. Merging must not depend on which.
    static let scenario = (try? String(contentsOfFile: TandemBinary.packageRoot + "/Scenarios/smoke-10.yaml", encoding: .utf8))?
        .replacingOccurrences(of: "latency.propagation.p99: \"< 100ms\"", with: "latency.propagation.p99: \"< 44ms\"")

    @Test func threeShardsMergedAreTheWholeSweep() async throws {
        let binary = URL(fileURLWithPath: try TandemBinary.path())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-sweep-shards-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tight.yaml").path
        try #require(Self.scenario).write(toFile: file, atomically: true, encoding: .utf8)

        let whole = try await runToCompletion(binary, ["sweep", file, "--seeds", "6", "--out", folder.path + "/whole"])
        #expect(whole.status != 2, "\(whole.output)")
        for index in 1...3 {
            let shard = try await runToCompletion(
                binary, ["sweep", file, "--seeds", "6", "--shard", "\(index)/3", "--out", folder.path + "/machine-\(index)"])
            #expect(shard.status != 2, "\(shard.output)")
            #expect(shard.output.contains("(shard \(index)/3 of 6 seeds)"), "\(shard.output)")
        }
        let merged = try await runToCompletion(binary, ["merge", folder.path + "/machine-1", folder.path + "/machine-2",
                                                        folder.path + "/machine-3", "--out", folder.path + "/merged"])
        #expect(merged.status == whole.status, "\(whole.output)\n\(merged.output)")

        let wholeSweep = try Data(contentsOf: folder.appendingPathComponent("whole/smoke-10/sweep.json"))
        let mergedSweep = try Data(contentsOf: folder.appendingPathComponent("merged/smoke-10/sweep.json"))
        #expect(wholeSweep == mergedSweep, "sweep.json byte for byte")
        let summary = try SweepSummary.read(folder.appendingPathComponent("merged/smoke-10/sweep.json"))
        #expect(summary.results.map(\.seed) == Array(1...6))

        // Every failing seed's report, the same run (wall times aside).
        for failure in summary.failing {
            let path = "smoke-10/\(failure.seed)/report.json"
            let a = try Report.decode(from: Data(contentsOf: folder.appendingPathComponent("whole/" + path)))
            let b = try Report.decode(from: Data(contentsOf: folder.appendingPathComponent("merged/" + path)))
            #expect(a.normalizedForDeterminism() == b.normalizedForDeterminism(), "seed \(failure.seed)")
        }
        let reports = { (root: String) in
            (FileManager.default.enumerator(atPath: folder.path + "/" + root)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix("report.json") }.sorted()
        }
        #expect(reports("whole") == reports("merged"))

        let partial = try await runToCompletion(binary, ["merge", folder.path + "/machine-1", folder.path + "/machine-3",
                                                         "--out", folder.path + "/partial"])
        #expect(partial.status == 2)
        #expect(partial.output.contains("needs shards 1…3 once each; missing: 2"), "\(partial.output)")
    }
}
