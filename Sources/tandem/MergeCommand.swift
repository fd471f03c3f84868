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
            the unsharded sweep does. Exit codes: 0 every check and threshold met (every seed passed), 1 one failed, \
            2 missing or mismatched shards.
            """)

    @Argument(help: "Shard folders, partial.json files, or folders holding them.")
    var inputs: [String]

    @Option(help: "Where the merged report goes.")
    var out = "Reports/merged"

    @Option(help: "The scenario file the shards played (default: the file they name).")
    var scenario: String?

    func run() throws {
        let sweeps = try Self.sweepFiles(inputs)
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

    /// Every `sweep-shard-I-of-N.json` the inputs name or hold, in a stable order (none: not a sweep merge).
    static func sweepFiles(_ inputs: [String]) throws -> [URL] {
        let isShard = { (url: URL) in
            url.lastPathComponent.hasPrefix("sweep-shard-") && url.pathExtension == "json"
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
