import Foundation
import Testing

/// The README's first simulator example passes as shipped: `tandem run Scenarios/classroom-150.yaml` exits 0.
@Suite struct ShippedScenarioTests {
    @Test func classroom150PassesWithExitZero() async throws {
        let binary = try TandemBinary.path()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-classroom-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try await TandemBinary.run(
            binary,
            ["run", TandemBinary.packageRoot + "/Scenarios/classroom-150.yaml", "--out", out, "--quiet"]
        )
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("PASS classroom-150 seed 42"), "\(run.output)")
    }
}
