import ArgumentParser
import Foundation
import Synchronization
import TandemReport
import TandemScenario
import TandemSim

/// `tandem capacity-worker` (hidden): a process that runs a capacity search's simulations for its parent
/// (`SimulationPool` with `workers`), one at a time, so that a simulation that traps takes down its worker, not
/// the search.
///
/// Started with the scenario file, its profile, the engine switches and the SLOs (what `CapacityMeasurer` adds to
/// the scenario's thresholds); reads one job per line on stdin, `USERS NODES SEED`, and answers each on stdout
/// with `report BYTES` and that many bytes of the report's JSON, or `failed REASON` (one line) when the simulation
/// failed. Ends at the end of stdin.
struct CapacityWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity-worker", abstract: "Run a capacity search's simulations for its parent process.",
        shouldDisplay: false)

    @Argument var path: String
    @Option var slo: [String] = []
    @Option var expectHash: String?
    @Option var expectProfileHash: String?
    @OptionGroup var engine: EngineOptions
    @OptionGroup var profileOption: ProfileOption

    func run() throws {
        guard let scenario = try ScenarioInput.load(path, profile: profileOption.profile).first else {
            throw ExitCode(2)
        }
        // The parent searched these bytes: a file edited since must not answer for it.
        if let expectHash, scenario.fileHash != expectHash {
            FileHandleOutput.standardError("tandem capacity-worker: \(path) changed since the search began (hash "
                + "\(scenario.fileHash), not \(expectHash))")
            throw ExitCode(2)
        }
        if let expectProfileHash, scenario.profile?.hash != expectProfileHash {
            FileHandleOutput.standardError("tandem capacity-worker: the profile \(profileOption.profile ?? "") "
                + "changed since the search began")
            throw ExitCode(2)
        }
        let slos: [ThresholdSpec]
        do {
            slos = try slo.map { text throws(CapacityInputError) in try CapacityInput.slo(text) }
        } catch {
            FileHandleOutput.standardError("tandem capacity-worker: \(error.message)")
            throw ExitCode(2)
        }
        let base = CapacityMeasurer.withSLOs(scenario, slos)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let options = engine.simulationOptions
        while let line = readLine() {
            let fields = line.split(separator: " ").compactMap { UInt64($0) }
            let answer: Data
            if fields.count == 3, let users = Int(exactly: fields[0]), let nodes = Int(exactly: fields[1]) {
                do {
                    let report = try Simulation.run(
                        try base.scaled(users: users, nodes: nodes), seed: fields[2], options: options
                    ).report
                    let json = try encoder.encode(report)
                    answer = Data("report \(json.count)\n".utf8) + json
                } catch let error as SimulationError {
                    answer = Data("failed \(SimulationWorker.oneLine(error.message))\n".utf8)
                } catch {
                    answer = Data("failed \(SimulationWorker.oneLine("\(error)"))\n".utf8)
                }
            } else {
                answer = Data("failed not a job: '\(SimulationWorker.oneLine(line))' (expected USERS NODES SEED)\n".utf8)
            }
            FileHandle.standardOutput.write(answer)
        }
    }
}

/// The worker processes of one `SimulationPool`, kept between its batches (a capacity search's rounds): a pool
/// thread takes one for a batch and gives it back after. They end with the set (their stdin closes).
final class SimulationWorkers: Sendable {
    let arguments: [String]
    private let idle = Mutex<[SimulationWorker]>([])

    /// `arguments`: the worker's command line after the executable (`capacity-worker FILE …`).
    init(arguments: [String]) { self.arguments = arguments }

    func take() -> SimulationWorker { idle.withLock { $0.popLast() } ?? SimulationWorker(arguments: arguments) }

    func give(_ worker: SimulationWorker) { idle.withLock { $0.append(worker) } }
}

/// The parent's side of one worker process: started on first use, one job at a time, restarted after it dies.
///
/// `@unchecked Sendable`: its state (the process and its pipes) is mutable and unguarded, but only one thread
/// uses a worker at a time: `SimulationWorkers` hands each worker out under its lock to one pool thread, which
/// gives it back, under the same lock, only when done with it.
final class SimulationWorker: @unchecked Sendable {
    /// The worker's command line after the executable (`capacity-worker FILE …`).
    let arguments: [String]
    private var process: Process?
    private var input: FileHandle?
    private var output: Int32 = -1

    init(arguments: [String]) { self.arguments = arguments }

    deinit { stop() }

    /// Runs one simulation of the worker's scenario at `users` on `nodes` with `seed`.
    func run(users: Int, nodes: Int, seed: UInt64) -> SeedDistribution.Run {
        do {
            if process == nil { try start() }
            try input!.write(contentsOf: Data("\(users) \(nodes) \(seed)\n".utf8))
            let header = try line()
            if header.hasPrefix("failed ") { return .failed(seed: seed, reason: String(header.dropFirst(7))) }
            guard header.hasPrefix("report "), let count = Int(header.dropFirst(7)) else {
                throw WorkerError("the worker answered '\(header)'")
            }
            return .report(try Report.decode(from: try bytes(count)))
        } catch {
            let status = stop()
            return .failed(seed: seed, reason: "the simulation's worker process \(status ?? "failed: \(error)") "
                + "(\(users) users on \(nodes) node(s))")
        }
    }

    private func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        self.process = process
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading.fileDescriptor
        // Keep the read end's handle alive with the process (the descriptor is read directly).
        reader = stdout.fileHandleForReading
    }

    private var reader: FileHandle?

    /// Ends the worker (closing its stdin, then waiting); returns how it ended when it had died on its own.
    @discardableResult
    private func stop() -> String? {
        guard let process else { return nil }
        try? input?.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let ended = process.terminationReason == .uncaughtSignal
            ? "was killed by signal \(process.terminationStatus)" : "exited with status \(process.terminationStatus)"
        try? reader?.close()
        self.process = nil
        input = nil
        reader = nil
        output = -1
        return ended
    }

    /// One line of the worker's stdout, without its newline.
    private func line() throws -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Foundation.read(output, &byte, 1)
            guard count == 1 else { throw WorkerError("the worker's output ended") }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    /// Exactly `count` bytes of the worker's stdout.
    private func bytes(_ count: Int) throws -> Data {
        var data = Data(count: count)
        var filled = 0
        while filled < count {
            let read = data.withUnsafeMutableBytes { buffer in
                Foundation.read(output, buffer.baseAddress! + filled, count - filled)
            }
            guard read > 0 else { throw WorkerError("the worker's output ended after \(filled) of \(count) bytes") }
            filled += read
        }
        return data
    }

    /// This executable, for the workers (the same build as the parent, so the same simulator).
    static let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "the simulation failed"
    }

    struct WorkerError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
