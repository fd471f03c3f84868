import ArgumentParser
import Foundation
import TandemReport
import TandemRuntime
import TandemScenario
import TandemSim

/// `tandem bench`: how fast the simulator runs a scenario, against a bare event loop doing the same number
/// of timed events, and how much memory it took.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure simulation speed (× real time, events/s vs a bare event loop) and peak memory.",
        discussion: """
            Build in release first (swift build -c release --product tandem). An "event" is a timer the \
            simulator fired (a delivery, a sleep, a timeout); the bare loop runs the same number of timed \
            closures from a binary heap, with no Swift concurrency, in the same process.
            """)

    @Argument(help: "A scenario file.")
    var path: String

    @Option(help: "Seed (default: the file's).")
    var seed: UInt64?

    @Option(help: "Runs; the fastest is reported.")
    var runs = 1

    func run() throws {
        let scenarios = try ScenarioInput.load(path)
        guard let scenario = scenarios.first, scenarios.count == 1 else {
            FileHandleOutput.standardError("\(path): bench takes one scenario file")
            throw ExitCode(2)
        }
        var best: (wall: Double, result: SimulationResult)?
        for _ in 0..<max(1, runs) {
            let result: SimulationResult
            do {
                result = try Simulation.run(scenario, seed: seed)
            } catch {
                FileHandleOutput.standardError("\(error)")
                throw ExitCode(1)
            }
            let wall = result.report.wall.timeMs / 1000
            if best == nil || wall < best!.wall { best = (wall, result) }
        }
        let (wall, result) = best!
        let statistics = result.statistics
        let events = statistics.timersFiredCount
        let simulated = result.report.identity.simulatedTimeMs / 1000
        let bare = BareLoopBaseline.measure(eventCount: events, seed: result.report.identity.seed)
        let simRate = Double(events) / wall
        print("scenario        \(scenario.name) (seed \(result.report.identity.seed), \(scenario.totalUserCount) users, "
            + "\(scenario.topology.nodeCount) nodes)")
        print("simulated       \(fixed(simulated)) s in \(fixed(wall, 3)) s wall = \(fixed(simulated / wall))× real time")
        print("events          \(events) timers, \(statistics.jobsRunCount) jobs, \(statistics.traceEventCount) trace events")
        print("simulator       \(fixed(simRate / 1e6, 3)) M events/s")
        print("bare loop       \(fixed(Double(events) / bare / 1e6, 3)) M events/s (\(fixed(bare, 3)) s for the same count)")
        print("ratio           \(fixed(simRate / (Double(events) / bare) * 100))% of the bare loop")
        print("peak memory     \(PeakMemory.megabytes().map { fixed($0) + " MiB" } ?? "unknown") (VmHWM)")
        print("trace           \(result.report.identity.traceHash ?? "-")")
    }

    private func fixed(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}

/// A bare event loop (binary heap of timed closures) firing `eventCount` events with random delays.
enum BareLoopBaseline {
    static func measure(eventCount: Int, seed: UInt64) -> Double {
        final class Source {
            var random: SplitMix64
            var remaining: Int
            var sum: UInt64 = 0
            init(seed: UInt64, remaining: Int) {
                random = SplitMix64(seed: seed)
                self.remaining = remaining
            }
        }
        let loop = BareEventLoop()
        let chains = 1_000
        let sources = (0..<chains).map { Source(seed: seed &+ UInt64($0), remaining: eventCount / chains + 1) }
        func step(_ source: Source) {
            guard source.remaining > 0 else { return }
            source.remaining -= 1
            loop.schedule(afterNanos: Int64(1 + source.random.bounded(1_000_000))) {
                source.sum &+= source.random.next()
                step(source)
            }
        }
        let start = ContinuousClock.now  // determinism: ok (benchmark wall time)
        for source in sources { step(source) }
        _ = loop.run()
        let elapsed = ContinuousClock.now - start  // determinism: ok (benchmark wall time)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// The process's peak resident memory, from /proc (Linux).
enum PeakMemory {
    static func megabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first
            return kilobytes.map { $0 / 1024 }
        }
        return nil
    }
}
