import ArgumentParser
import Foundation
import TandemReport
import TandemScenario
import TandemSim

/// `tandem merge`: the shards of one live run (`tandem-live run … --shard I/N`) put back together into the report
/// the whole run would have written, or the shards of one sweep (`tandem sweep … --shard I/N`) into the whole sweep.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of one live run or one sweep (--shard I/N) into what the whole would have written.",
        discussion: """
            Live runs: each argument is a shard's folder (holding partial.json), a partial.json, or a folder searched \
            for them (e.g. the OUT/<scenario>/<seed>/ the shards wrote into, or one folder per machine). Latency \
            percentiles come from every raw sample of every shard; the shards' counts are added up, the servers' own \
            counters (read by every shard) are not; the checkers' findings are the union; the scenario's thresholds \
            are judged on the merged run. Writes OUT/<scenario>/<seed>/report.{json,md,html}. \
            Sweeps: each argument is a sweep-shard-I-of-N.json or a folder holding them (with the failing seeds' \
            report folders beside them); writes OUT/<scenario>/sweep.json and the failing seeds' reports, exactly as \
            the unsharded sweep does. Capacity searches: each argument is a capacity-shard-I-of-N.json or a folder \
            holding them; measures the one or two points the answer quotes (the scenario file and its profile must be \
            the bytes the shards searched) and writes OUT/capacity.{json,md,html} (default OUT: \
            Reports/capacity/<scenario>), what the unsharded search writes but for wall_time_ms. Exit codes: 0 every \
            check and threshold met (every seed passed; for a capacity plan: merged), 1 one failed, 2 missing or \
            mismatched shards.
            """)

    @Argument(help: "Shard folders, partial.json files, or folders holding them.")
    var inputs: [String]

    @Option(name: .customLong("out"), help: "Where the merged report goes (default: Reports/merged; a capacity plan: Reports/capacity/<scenario>).")
    var outOption: String?

    @Option(help: "The scenario file the shards played (default: the file they name).")
    var scenario: String?

    @Option(help: "Capacity shards: simulations run at once for the points the answer quotes (default: the cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Capacity shards: run the answer's simulations on this process's threads, not in worker processes.")
    var inProcess = false

    @Flag(help: "Capacity shards: run the recommended point live, as `tandem capacity --verify-live` does.")
    var verifyLive = false

    var out: String { outOption ?? "Reports/merged" }

    func run() throws {
        let capacities = try Self.shardFiles(inputs, prefix: "capacity-shard-")
        if !capacities.isEmpty { return try mergeCapacity(capacities) }
        let sweeps = try Self.shardFiles(inputs, prefix: "sweep-shard-")
        if !sweeps.isEmpty { return try mergeSweep(sweeps) }
        let files = try Self.partialFiles(inputs)
        let partials: [PartialReport]
        let merged: MergedShards
        do {
            partials = try files.map(PartialReport.read)
            merged = try MergedShards(partials)
        } catch {
            FileHandleOutput.standardError("tandem merge: \(error)")
            throw ExitCode(2)
        }
        let path = scenario ?? merged.scenarioFile
        guard let loaded = try ScenarioInput.load(path).first(where: { $0.name == merged.identity.scenarioName }) else {
            FileHandleOutput.standardError("tandem merge: \(path) holds no scenario named \(merged.identity.scenarioName)")
            throw ExitCode(2)
        }
        guard loaded.fileHash == merged.identity.scenarioFileHash else {
            FileHandleOutput.standardError("tandem merge: \(path) changed since the shards ran (hash \(loaded.fileHash), "
                + "the shards played \(merged.identity.scenarioFileHash)); give the file they played with --scenario")
            throw ExitCode(2)
        }
        let report = merged.report(expectations: loaded.expectations, phases: loaded.phaseWindows)
        let folder = try ReportOutput.write(report, under: out, folder: String(report.identity.seed))
        print("merged \(partials.count) shards of \(report.identity.scenarioName) seed \(report.identity.seed)")
        print(ReportOutput.summary(report))
        print("  report: \(folder.path)/report.html")
        for reason in report.failureReasons() { print("  ✗ \(reason)") }
        if !report.passed { throw ExitCode(1) }
    }

    /// The whole sweep from its shards' files: `sweep.json`, the failing seeds' report folders copied beside it.
    private func mergeSweep(_ files: [URL]) throws {
        let whole: SweepSummary
        do {
            whole = try SweepSummary.merging(try files.map(SweepSummary.read))
        } catch {
            FileHandleOutput.standardError("tandem merge: \(error)")
            throw ExitCode(2)
        }
        let target = URL(fileURLWithPath: out).appendingPathComponent(whole.scenarioName)
        let manager = FileManager.default
        for failure in whole.failing where failure.traceHash != nil {
            let seed = String(failure.seed)
            guard let source = files.map({ $0.deletingLastPathComponent().appendingPathComponent(seed) })
                .first(where: { manager.fileExists(atPath: $0.appendingPathComponent("report.json").path) }) else {
                FileHandleOutput.standardError("tandem merge: seed \(seed) failed but no shard folder holds its report "
                    + "(\(seed)/report.json beside the shard's sweep file)")
                throw ExitCode(2)
            }
            let destination = target.appendingPathComponent(seed)
            do {
                try manager.createDirectory(at: target, withIntermediateDirectories: true)
                if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
                try manager.copyItem(at: source, to: destination)
            } catch {
                FileHandleOutput.standardError("tandem merge: cannot copy \(source.path) to \(destination.path): \(error)")
                throw ExitCode(2)
            }
        }
        try SweepCommand.write(whole, under: out)
        print("merged \(files.count) shards of the \(whole.scenarioName) sweep into \(target.path)/\(whole.fileName)")
        for line in SweepCommand.lines(whole) { print(line) }
        if !whole.failing.isEmpty { throw ExitCode(1) }
    }

    /// The whole capacity plan from its shards' files: the answer's points measured here, `capacity.{json,md,html}`
    /// written as the unsharded search writes them.
    private func mergeCapacity(_ files: [URL]) throws {
        let started = ContinuousClock.now  // determinism: ok (the merge's wall time)
        let fail = { (message: String) -> Never in
            FileHandleOutput.standardError("tandem merge: \(message)")
            Foundation.exit(2)
        }
        let merged: CapacityPlan
        do {
            merged = try CapacityPlan.merging(try files.map { file in
                do {
                    return try CapacityPlan.decode(from: Data(contentsOf: file))
                } catch {
                    throw ShardError("\(file.path): not a readable capacity shard: \(error)")
                }
            })
        } catch {
            fail("\(error)")
        }
        let version = EngineVersion.current
        guard merged.engineVersion == version else {
            fail("the shards ran engine \(merged.engineVersion); this tandem is \(version), and the answer's points "
                + "must be measured by the same engine")
        }
        if verifyLive {
            if merged.engineOptions.contains(where: { ["--no-gap-recovery", "--wire"].contains($0) }) {
                fail("--no-gap-recovery and --wire are the simulator's; the live run has the servers' own")
            }
            _ = try LiveHandover.binary(for: "tandem merge --verify-live")
        }
        let path = scenario ?? merged.scenarioFile
        let loaded: Scenario
        do {
            loaded = try ScenarioLoader.loadFile(path: path, profile: merged.profile?.file)
        } catch {
            fail("\(error)")
        }
        guard loaded.fileHash == merged.scenarioFileHash else {
            fail("\(path) changed since the shards ran (hash \(loaded.fileHash), the shards searched "
                + "\(merged.scenarioFileHash)); give the file they searched with --scenario")
        }
        if let profile = merged.profile, loaded.profile?.hash != profile.hash {
            fail("the profile \(profile.file) changed since the shards ran (hash \(loaded.profile?.hash ?? "none"), "
                + "the shards had \(profile.hash))")
        }
        let options: SimulationOptions
        let slos: [ThresholdSpec]
        let quantile: SeedQuantile
        do {
            options = try EngineOptions.parse(merged.engineOptions).simulationOptions
            slos = try merged.slos.map { text throws(CapacityInputError) in try CapacityInput.slo(text) }
            quantile = try SeedQuantile(parsing: merged.quantile)
        } catch {
            fail("the shards' settings are not this tandem's: \(error)")
        }
        let measurer = CapacityMeasurer(
            scenario: loaded, slos: slos, quantile: quantile, seeds: merged.seeds, jobs: max(1, jobs),
            options: options, inProcess: inProcess, command: "tandem merge")
        let search = measurer.search(merged, nodeCounts: merged.nodeCounts)
        var (plan, recommended) = try measurer.conclude(
            merged, results: merged.results, search: search, started: started)
        let folder = URL(fileURLWithPath: outOption ?? "Reports/capacity/\(plan.scenarioName)")
        if verifyLive { plan.verification = try measurer.verifyLive(recommended, under: folder) }
        print("merged \(files.count) shards of the \(plan.scenarioName) capacity search into \(folder.path)")
        try CapacityCommand.write(plan, to: folder, threads: max(1, jobs))
    }

    /// Every `<prefix>I-of-N.json` the inputs name or hold, in a stable order (none: not that kind of merge).
    static func shardFiles(_ inputs: [String], prefix: String) throws -> [URL] {
        let isShard = { (url: URL) in
            url.lastPathComponent.hasPrefix(prefix) && url.pathExtension == "json"
        }
        var files: [URL] = []
        for input in inputs {
            let url = URL(fileURLWithPath: input)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                files += (FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
                    .filter(isShard)
            } else if isShard(url) {
                files.append(url)
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Every `partial.json` the inputs name, in a stable order; none at all is an error naming the inputs.
    static func partialFiles(_ inputs: [String]) throws -> [URL] {
        let manager = FileManager.default
        var files: [URL] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: input, isDirectory: &isDirectory) else {
                FileHandleOutput.standardError("tandem merge: \(input): no such file or folder")
                throw ExitCode(2)
            }
            let url = URL(fileURLWithPath: input)
            guard isDirectory.boolValue else {
                files.append(url)
                continue
            }
            let found = (manager.enumerator(at: url, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
                .filter { $0.lastPathComponent == PartialReport.fileName }
                .sorted { $0.path < $1.path }
            guard !found.isEmpty else {
                FileHandleOutput.standardError("tandem merge: \(input): no \(PartialReport.fileName) in it (written by "
                    + "tandem-live run --shard I/N)")
                throw ExitCode(2)
            }
            files += found
        }
        return files
    }
}
