import TandemReport
import TandemRuntime
import TandemScenario

/// Settings of a simulated run that are not in the scenario file: engine switches, test hooks, reporting.
public struct SimulationOptions: Sendable {
    /// Overrides gap recovery on every node; nil means the scenario's `broker.recovery` (default on).
    public var gapRecovery: Bool?
    /// A deliberately broken engine (for checker tests): acknowledge before the store write.
    public var ackBeforePersist = false
    /// A deliberately broken engine (for checker tests): never expire silent connections.
    public var presenceExpiry = true
    /// Deliberately broken clients (for checker tests): ignore `resynced`'s participants, as a client written before
    /// the member existed does, so a client that was away keeps showing who left meanwhile.
    public var clientsIgnoreResyncedParticipants = false
    /// Test hook, off (zero) by default: every append to the simulated store takes this much longer, a
    /// deliberate regression of the commit path (acknowledgement and propagation latency) for testing the
    /// scenario gate. `tandem` exposes it as the hidden option `--test-hook-commit-delay-ms`.
    public var testHookCommitDelay: Duration = .zero
    /// Called on the simulation thread about once per simulated second.
    public var progress: (@Sendable (SimulationProgress) -> Void)?
    /// The engine version written into reports.
    public var engineVersion = EngineVersion.current
    /// `--wire`: every message is encoded by its sender and decoded by its receiver with the production codecs
    /// (client frames, server frames, backplane JSON). Slower; the trace must not change.
    public var wire = false
    /// The settle's convergence samples compare again only what changed since the previous sample (``CheckCache``);
    /// off, each compares everything (the same counts, slower: for the test that says so).
    public var convergenceCheckCache = true

    public init() {}

    /// The options as `tandem run` flags, recorded in a report's identity; empty when all are defaults.
    public var arguments: [String] {
        let delayMs = Double(testHookCommitDelay.nanosecondsClamped) / 1e6
        return (ackBeforePersist ? ["--ack-before-persist"] : []) + (gapRecovery == false ? ["--no-gap-recovery"] : [])
            + (presenceExpiry ? [] : ["--no-presence-expiry"]) + (wire ? ["--wire"] : [])
            + (delayMs > 0 ? ["--test-hook-commit-delay-ms", "\(delayMs)"] : [])
    }
}

/// Where a running simulation is.
public struct SimulationProgress: Sendable {
    public var simulatedNanos: Int64
    public var totalNanos: Int64
    public var connectedClients: Int
}

/// A finished simulated run: its report and the executor's statistics.
public struct SimulationResult: Sendable {
    public var report: Report
    public var statistics: SimRunStatistics
}

/// Why a simulated run could not produce a report (as opposed to a report that fails its checks).
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Runs scenarios in the deterministic simulator.
public enum Simulation {
    /// Runs `scenario` with `seed` (default: the scenario's) on the calling thread and returns its report.
    /// The same scenario, seed and binary give the same trace hash and the same report, apart from `wall`.
    public static func run(
        _ scenario: Scenario, seed: UInt64? = nil, options: SimulationOptions = SimulationOptions()
    ) throws(SimulationError) -> SimulationResult {
        let seed = seed ?? scenario.seed
        let executor = SimExecutor(limits: SimLimits(hangGraceWallMillis: 2_000))
        let started = ContinuousClock.now  // determinism: ok (wall time for the report's wall field only)
        let startedUnix = WallTime.unixMillis()
        let run = simulate(executor) {
            let world = SimWorld(scenario: scenario, seed: seed, executor: executor, options: options)
            return try await world.run()
        }
        let elapsed = ContinuousClock.now - started  // determinism: ok (wall time only)
        guard case .returned(var report) = run.outcome, run.isClean else {
            var message = "simulation of \(scenario.name) (seed \(seed)) failed:"
            if case .threw(let error) = run.outcome { message += "\n  the run stopped on: \(error)" }
            throw SimulationError(message: message + "\n\(run.report)")
        }
        report.identity.traceHash = String(run.statistics.traceHash, radix: 16).leftPadded(to: 16)
        report.wall = WallClock(timeMs: Double(elapsed.nanosecondsClamped) / 1e6, startedAtUnixMs: startedUnix)
        return SimulationResult(report: report, statistics: run.statistics)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
