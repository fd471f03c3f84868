import Foundation
import Synchronization
import TandemReport
import TandemScenario
import TandemSim

/// Runs simulations on dedicated threads (each simulation blocks its thread), for `tandem gate` and
/// `tandem capacity`: jobs are taken in the order given, outcomes come back in that order, and each run is as
/// deterministic as a single `tandem run` of the same scenario and seed.
struct SimulationPool {
    typealias Job = (scenario: Scenario, seed: UInt64)
    /// The progress line after a run: runs done, runs in this batch, the job that just finished, and an estimate
    /// of the time left in the batch (nil until a run has finished).
    typealias ProgressLine = @Sendable (_ done: Int, _ total: Int, _ job: Job, _ eta: String?) -> String

    var threads: Int
    var options: SimulationOptions
    /// nil: each thread runs its simulations itself. Else worker processes (`tandem capacity-worker`) for the
    /// jobs' scenario: each thread hands its jobs, as (users, nodes, seed), to a worker of its own, so that a
    /// simulation that traps fails its point instead of the search. The jobs must then be that scenario scaled
    /// with `Scenario.scaled(users:nodes:)`.
    var workers: SimulationWorkers? = nil

    /// The work shared by the threads: the next job to take, the outcomes so far.
    private final class Work: Sendable {
        let jobs: [Job]
        let options: SimulationOptions
        let workers: SimulationWorkers?
        let line: ProgressLine
        let started = ContinuousClock.now  // determinism: ok (progress ETA only)
        let next = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let outcomes: Mutex<[SeedDistribution.Run?]>

        init(jobs: [Job], options: SimulationOptions, workers: SimulationWorkers?, line: @escaping ProgressLine) {
            self.jobs = jobs
            self.options = options
            self.workers = workers
            self.line = line
            self.outcomes = Mutex(Array(repeating: nil, count: jobs.count))
        }

        /// Takes jobs until none is left.
        func drain() {
            let worker = workers?.take()
            defer { if let worker { workers?.give(worker) } }
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < jobs.count else { return }
                let (scenario, seed) = jobs[index]
                let outcome: SeedDistribution.Run
                if let worker {
                    outcome = worker.run(
                        users: scenario.totalUserCount, nodes: scenario.topology.nodeCount, seed: seed)
                } else {
                    do {
                        outcome = .report(try Simulation.run(scenario, seed: seed, options: options).report)
                    } catch {
                        outcome = .failed(seed: seed, reason: SimulationWorker.oneLine(error.message))
                    }
                }
                outcomes.withLock { $0[index] = outcome }
                let done = finished.add(1, ordering: .relaxed).newValue
                // On a terminal the line rewrites itself after every run; in a log, one line per 10%.
                if isatty(2) != 0 || done * 10 / jobs.count > (done - 1) * 10 / jobs.count {
                    let elapsed = SimulationPool.seconds(ContinuousClock.now - started)  // determinism: ok (ETA)
                    let left = elapsed / Double(done) * Double(jobs.count - done)
                    FileHandleOutput.progress(line(done, jobs.count, (scenario, seed), SimulationPool.duration(left)))
                }
            }
        }
    }

    /// Runs `jobs`; returns their outcomes in the same order. `endLine: false` leaves a terminal's progress line
    /// open, for a caller that runs several batches under one line.
    func run(_ jobs: [Job], endLine: Bool = true, progress line: @escaping ProgressLine) -> [SeedDistribution.Run] {
        guard !jobs.isEmpty else { return [] }
        if workers != nil { signal(SIGPIPE, SIG_IGN) }  // a dead worker's stdin is an error on write, not a signal
        let work = Work(jobs: jobs, options: options, workers: workers, line: line)
        let done = DispatchSemaphore(value: 0)
        let count = max(1, min(threads, jobs.count))
        for _ in 0..<count {
            let thread = Thread {
                work.drain()
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for _ in 0..<count { done.wait() }
        if endLine { FileHandleOutput.endProgress() }
        return work.outcomes.withLock { $0.map { $0! } }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, atto) = duration.components
        return Double(whole) + Double(atto) / 1e18
    }

    /// `42 s`, `3 min 5 s`, `1 h 2 min`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3_600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3_600) h \(total % 3_600 / 60) min"
    }
}
