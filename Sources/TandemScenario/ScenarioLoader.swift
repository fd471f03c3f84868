import Foundation  // File and directory reading only.
import Yams

/// Reads scenario files and turns them into validated ``Scenario`` values, or a located ``ScenarioError``.
///
/// Uses Yams's `Node` API (compose), never `Decodable`, so that every error carries the file, line, column
/// and key path of the value at fault.
public enum ScenarioLoader {
    /// The largest scenario file read, so a wrong path to a huge file fails fast.
    public static let fileSizeMax = 1 << 20

    /// Loads one file, or every `*.yaml` and `*.yml` file of a directory (not recursive), sorted by name.
    ///
    /// Two scenarios with the same `name` in one directory are an error, since reports are filed by name.
    /// `profile` is a calibration profile to use instead of the one a scenario names (`--profile`).
    public static func load(path: String, profile: String? = nil) throws(ScenarioError) -> [Scenario] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw unreadable(path, "no such file or directory")
        }
        guard isDirectory.boolValue else { return [try loadFile(path: path, profile: profile)] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw unreadable(path, "cannot list the directory (\(error.localizedDescription))")
        }
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !files.isEmpty else { throw unreadable(path, "the directory holds no .yaml or .yml file") }
        var scenarios = [Scenario]()
        for file in files {
            let separator = path.hasSuffix("/") ? "" : "/"
            let scenario = try loadFile(path: path + separator + file, profile: profile)
            if let earlier = scenarios.first(where: { $0.name == scenario.name }) {
                throw ScenarioError(
                    code: .invalidValue, file: scenario.file, line: 1, column: 1, keyPath: "name",
                    message: "another file of the directory, \(earlier.file), is also named '\(scenario.name)'")
            }
            scenarios.append(scenario)
        }
        return scenarios
    }

    /// Loads one scenario file.
    public static func loadFile(path: String, profile: String? = nil) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw unreadable(path, "cannot read the file")
        }
        guard data.count <= fileSizeMax else {
            throw unreadable(path, "the file is larger than \(fileSizeMax) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw unreadable(path, "the file is not UTF-8 text")
        }
        return try load(yaml: text, file: path, profile: profile)
    }

    /// Loads a scenario from text; `file` is the name errors and ``Scenario/file`` use.
    /// ``Scenario/fileHash`` is the hash of the text's UTF-8 bytes.
    public static func load(yaml: String, file: String, profile: String? = nil) throws(ScenarioError) -> Scenario {
        let root = try compose(yaml, file: file)
        do {
            let decoder = ScenarioDecoder(profile: profile.map { ScenarioProfile.Source(path: $0, reference: nil) })
            return try decoder.decode(root, fileHash: FNV1a.hexHash(yaml.utf8))
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw ScenarioError(code: .invalidYAML, file: file, line: 1, column: 1, keyPath: "", message: "\(error)")
        }
    }

    /// A hint for the likeliest cause of "mapping values are not allowed here" in `expect:`: a scoped threshold's
    /// key written unquoted with `: ` inside its braces, which YAML reads as a second key.
    static func scopedKeyHint(_ yaml: String, line: Int) -> String {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return "" }
        let text = lines[line - 1].trimmingWhitespace()
        guard let open = text.firstIndex(of: "{"), open != text.startIndex, let close = text.firstIndex(of: "}"),
            open < close, text[text.index(after: close)...].hasPrefix(":")
        else { return "" }
        let key = text[...close]
        return "; a scoped threshold's key holds ': ', so quote it: \"\(key)\": …"
    }

    private static func unreadable(_ path: String, _ message: String) -> ScenarioError {
        ScenarioError(code: .unreadable, file: path, line: 1, column: 1, keyPath: "", message: message)
    }

    /// The document's root, with YAML errors (including duplicate keys) turned into located errors.
    static func compose(_ yaml: String, file: String) throws(ScenarioError) -> YAMLValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw DuplicateKeyLocator.locate(error, yaml: yaml, file: file) ?? yamlError(error, yaml: yaml, file: file)
        } catch {
            throw ScenarioError(code: .invalidYAML, file: file, line: 1, column: 1, keyPath: "", message: "\(error)")
        }
        guard let node else {
            throw ScenarioError(code: .invalidYAML, file: file, line: 1, column: 1, keyPath: "",
                                message: "the file holds no YAML document")
        }
        return YAMLValue(node: node, path: "", file: file)
    }

    private static func yamlError(_ error: YamlError, yaml: String, file: String) -> ScenarioError {
        func located(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> ScenarioError {
            let detail = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return ScenarioError(code: .invalidYAML, file: file, line: mark.line, column: mark.column, keyPath: "",
                                 message: "invalid YAML: \(problem)\(detail)" + scopedKeyHint(yaml, line: mark.line))
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(context, problem, mark)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ScenarioError(code: .duplicateKey, file: file, line: context.mark.line, column: context.mark.column,
                                 keyPath: "", message: "duplicate key '\(duplicates.joined(separator: "', '"))'")
        default:
            return ScenarioError(code: .invalidYAML, file: file, line: 1, column: 1, keyPath: "",
                                 message: "invalid YAML: \(error)")
        }
    }
}
