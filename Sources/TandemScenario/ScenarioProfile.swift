import Foundation  // File reading only.
import TandemReport

/// A calibration profile: what one machine and one engine build cost, fitted by `tandem calibrate` from a live
/// run (node cost terms, store latency, link latencies), kept in its own YAML file so any scenario can use it:
/// `topology: {profile: FILE}` or `tandem run --profile FILE`. The scenario's own `topology` values override it.
///
/// ```yaml
/// profile: 1                # the format
/// engine_version: 0.1.0     # the engine it was fitted to; another engine's profile is refused
/// calibrated: {...}         # free-form: where and how it was fitted (tandem calibrate writes it)
/// topology:                 # store, links and node, as in a scenario
///   store: {latency: {lognormal: {median: 0.31ms, p99: 1.9ms}}}
///   node: {per_message: {lognormal: {median: 38us, p99: 120us}}, per_delivery: {fixed: 16us}}
/// ```
public struct ScenarioProfile: Sendable, Hashable {
    /// The profile file, as the loader found it.
    public var file: String
    /// A hash of its bytes (FNV-1a, as a scenario file's): a report records it, so a changed profile is seen.
    public var hash: String

    public static let formatVersion = 1
    static let rootKeys = ["profile", "engine_version", "calibrated", "topology"]
    /// A profile describes a machine, not a deployment: node count and broker stay the scenario's.
    static let topologyKeys = ["store", "links", "node"]

    /// Where a profile comes from: a path, and the scenario value that named it (none when given by `--profile`).
    struct Source {
        var path: String
        var reference: YAMLValue?

        /// `topology.profile`: a path relative to the scenario file's folder.
        static func named(_ value: YAMLValue) throws -> Source {
            let text = try value.string()
            let folder = URL(fileURLWithPath: value.file).deletingLastPathComponent()
            return Source(path: text.hasPrefix("/") ? text : folder.appendingPathComponent(text).path, reference: value)
        }
    }

    /// Reads and checks a profile; every problem is a located error (in the profile, or at the scenario's
    /// `topology.profile` when the file cannot be read).
    static func load(_ source: Source) throws -> (topology: Topology, profile: ScenarioProfile) {
        func unreadable(_ why: String) -> ScenarioError {
            source.reference?.error(.unreadable, "profile \(source.path): \(why)")
                ?? ScenarioError(code: .unreadable, file: source.path, line: 1, column: 1, keyPath: "", message: why)
        }
        guard let data = FileManager.default.contents(atPath: source.path) else {
            throw unreadable("cannot read the file")
        }
        guard data.count <= ScenarioLoader.fileSizeMax else {
            throw unreadable("the file is larger than \(ScenarioLoader.fileSizeMax) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw unreadable("the file is not UTF-8 text") }
        let root = try ScenarioLoader.compose(text, file: source.path)
        let map = try root.mapping(allowing: rootKeys)
        _ = try map.required("profile").integer(in: formatVersion...formatVersion)
        let version = try map.required("engine_version")
        let engine = try version.string()
        guard engine == EngineVersion.current else {
            throw version.error(.invalidValue, "this profile was fitted to engine \(engine), and this tandem is engine "
                + "\(EngineVersion.current): fit a new one with `tandem calibrate`")
        }
        let topologyValue = try map.required("topology")
        _ = try topologyValue.mapping(allowing: topologyKeys)
        let topology = try ScenarioDecoder().decodeTopology(topologyValue, base: Topology())
        return (topology, ScenarioProfile(file: source.path, hash: FNV1a.hexHash(text.utf8)))
    }
}
