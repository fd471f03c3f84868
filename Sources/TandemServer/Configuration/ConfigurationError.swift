/// A configuration mistake, located: the file (or environment variable), line, key path and what was wrong.
///
/// `tandem-server` prints `description` and exits with status 2.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file path, or `environment` for a `TANDEM_*` variable.
    public var file: String
    /// 1-based; 0 when there is no line (environment variables, a missing file).
    public var line: Int
    /// Dotted key path (`limits.frame_bytes_max`) or the variable name.
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}
