import Foundation
import TandemCoreTestSupport
import Testing
import TandemReport
import TandemSim

@Suite struct DeterminismTests {
    @Test func theSameSeedGivesTheSameTraceAndTheSameReport() async throws {
        let plan = try scenario(faults: """
              - at: 8s
                disconnect: {clients: 50%, reconnect_after: {uniform: [500ms, 2s]}}
            """)
        let first = try await simulate(plan, seed: 11)
        let second = try await simulate(plan, seed: 11)
        #expect(first.report.identity.traceHash == second.report.identity.traceHash)
        #expect(first.statistics.traceEventCount == second.statistics.traceEventCount)
        #expect(first.statistics.traceEventCount > 1_000)
        let firstJSON = try first.report.normalizedForDeterminism().jsonData()
        let secondJSON = try second.report.normalizedForDeterminism().jsonData()
        #expect(firstJSON == secondJSON)
    }

    @Test func differentSeedsGiveDifferentTraces() async throws {
        let plan = try scenario()
        let hashes = try await [1, 2, 3].asyncMap { try await simulate(plan, seed: $0).report.identity.traceHash }
        #expect(Set(hashes).count == 3)
    }

    /// Two separate processes of the real `tandem` binary, same seed: the same trace hash; another seed: another.
    @Test func twoProcessesWithTheSameSeedAgreeOnTheTraceHash() async throws {
        let binary = try TandemBinary.path()
        let scenarioPath = TandemBinary.packageRoot + "/Scenarios/smoke-10.yaml"
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-determinism-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let first = try await TandemBinary.run(binary, ["run", scenarioPath, "--seed", "7", "--out", out + "/a", "--quiet"])
        let second = try await TandemBinary.run(binary, ["run", scenarioPath, "--seed", "7", "--out", out + "/b", "--quiet"])
        let other = try await TandemBinary.run(binary, ["run", scenarioPath, "--seed", "8", "--out", out + "/c", "--quiet"])
        #expect(first.status == 0, "\(first.output)")
        let hashes = [first, second, other].map { TandemBinary.traceHash(in: $0.output) }
        #expect(hashes[0] != nil)
        #expect(hashes[0] == hashes[1])
        #expect(hashes[0] != hashes[2])
        let reportA = try Report.decode(from: Data(contentsOf: URL(fileURLWithPath: out + "/a/smoke-10/7/report.json")))
        let reportB = try Report.decode(from: Data(contentsOf: URL(fileURLWithPath: out + "/b/smoke-10/7/report.json")))
        #expect(reportA.normalizedForDeterminism() == reportB.normalizedForDeterminism())
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

/// Finds and runs the `tandem` executable that `swift build` put beside the test bundle.
enum TandemBinary {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func path() throws -> String {
        let bundle = Bundle.main.bundleURL
        for directory in [bundle, bundle.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("tandem").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for configuration in ["debug", "release"] {
            let candidate = packageRoot + "/.build/\(configuration)/tandem"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TandemBinaryMissing()
    }

    struct TandemBinaryMissing: Error, CustomStringConvertible {
        var description: String { "the tandem executable is not built: run `swift build` first (scripts/test.sh does)" }
    }

    /// Runs the binary to completion; returns its status and standard output.
    static func run(_ binary: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runToCompletion(URL(fileURLWithPath: binary), arguments, includeErrors: false)
    }

    static func traceHash(in output: String) -> String? {
        guard let range = output.range(of: "trace ") else { return nil }
        return String(output[range.upperBound...].prefix(16))
    }
}
