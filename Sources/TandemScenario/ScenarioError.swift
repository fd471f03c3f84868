/// Why a scenario file was rejected, with where: file, line, column and the key path.
///
/// Prints as `FILE:LINE:COL: error: KEY.PATH: message`, the form compilers and editors recognise.
/// The key path uses dots for keys and brackets for list items: `faults[2].partition.for`. It is empty
/// for problems with no key (unreadable file, broken YAML), and the `KEY.PATH: ` part is then left out.
/// Every `ScenarioError` is bad input: the CLI exits with code 2.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: String, Sendable, Equatable {
        /// The file or directory could not be read, or is not UTF-8.
        case unreadable
        /// The text is not valid YAML (scanner, parser or composer error).
        case invalidYAML
        /// A key the scenario format does not have.
        case unknownKey
        /// A key the scenario format requires is absent.
        case missingKey
        /// The same key twice in one mapping.
        case duplicateKey
        /// A mapping where a list was expected, text where a number was expected, and so on.
        case wrongType
        /// The right type, but a value out of range or otherwise invalid.
        case invalidValue
        /// A name that refers to nothing: an unknown node, model, field, group or metric.
        case unknownReference
    }

    public var code: Code
    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, counted in Unicode scalars like libyaml.
    public var column: Int
    /// `topology.links.client_node.loss`; empty when the problem has no key.
    public var keyPath: String
    public var message: String

    public init(code: Code, file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let key = keyPath.isEmpty ? "" : "\(keyPath): "
        return "\(file):\(line):\(column): error: \(key)\(message)"
    }
}
