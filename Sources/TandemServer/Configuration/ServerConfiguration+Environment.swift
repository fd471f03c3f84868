extension ServerConfiguration {
    /// The environment variables that override the file, in the order they are applied.
    public static let environmentKeys = [
        "TANDEM_HOST", "TANDEM_PORT", "TANDEM_NODE_ID", "TANDEM_DATA_DIR", "TANDEM_DATABASE_URL", "TANDEM_REDIS_URL",
        "TANDEM_REDIS_STREAM_KEY", "TANDEM_REDIS_STREAM_LENGTH_MAX", "TANDEM_REDIS_READ_BLOCK",
        "TANDEM_REDIS_RECONNECT_DELAY_MIN", "TANDEM_REDIS_RECONNECT_DELAY_MAX",
        "TANDEM_JWT_SECRET", "TANDEM_USERS_FILE", "TANDEM_ALLOWED_ORIGINS", "TANDEM_BCRYPT_COST", "TANDEM_LOG_LEVEL",
    ]

    /// Applies `TANDEM_*` overrides from `environment`; a bad value names the variable.
    public mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        var applied = false
        for name in Self.environmentKeys {
            guard let raw = environment[name] else { continue }
            applied = true
            func bad(_ message: String) -> ConfigurationError {
                ConfigurationError(file: "environment", line: 0, key: name, message: message)
            }
            switch name {
            case "TANDEM_HOST": host = raw
            case "TANDEM_PORT":
                guard let value = Int(raw), (0...65_535).contains(value) else {
                    throw bad("expected a port 0…65535, found '\(raw)'")
                }
                port = value
            case "TANDEM_NODE_ID":
                guard Self.isIdentifier(raw) else { throw bad("a node id may hold letters, digits, '-', '_' and '.'") }
                nodeID = raw
            case "TANDEM_DATA_DIR": dataDirectory = raw
            case "TANDEM_DATABASE_URL": databaseURL = raw
            case "TANDEM_REDIS_URL": backplaneURL = raw
            case "TANDEM_JWT_SECRET":
                guard raw.utf8.count >= 32 else { throw bad("an HS256 secret needs at least 32 bytes") }
                auth.jwtSecret = raw
            case "TANDEM_USERS_FILE": auth.usersFile = raw
            case "TANDEM_ALLOWED_ORIGINS":
                allowedOrigins = raw.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }.filter {
                    !$0.isEmpty
                }
            case "TANDEM_BCRYPT_COST":
                guard let value = Int(raw), (4...31).contains(value) else {
                    throw bad("expected a bcrypt cost 4…31, found '\(raw)'")
                }
                auth.bcryptCost = value
            case "TANDEM_LOG_LEVEL":
                let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                guard levels.contains(raw.lowercased()) else {
                    throw bad("expected one of \(levels.joined(separator: ", "))")
                }
                logLevel = raw.lowercased()
            default: try applyRedisEnvironment(name, raw)
            }
        }
        try checkRedisEnvironment(environment)
        if applied { source += " +env" }
    }

    /// The configuration a process starts with: defaults, then `file` if given, then the environment.
    public static func resolve(
        file: String?,
        environment: [String: String]
    ) throws(ConfigurationError) -> ServerConfiguration {
        var configuration =
            try file.map { path throws(ConfigurationError) in try load(file: path) } ?? ServerConfiguration()
        try configuration.applyEnvironment(environment)
        if configuration.auth.seedUsers.isEmpty && file == nil {
            configuration.auth.seedUsers = Self.demoSeedUsers
        }
        return configuration
    }

    /// The demo's users, created only when no configuration file is given: admin/admin, editor/editor,
    /// viewer/viewer. Never use them beyond a laptop.
    public static let demoSeedUsers = [
        SeedUser(username: "admin", password: "admin", roles: ["Admin"]),
        SeedUser(username: "editor", password: "editor", roles: ["Editor"]),
        SeedUser(username: "viewer", password: "viewer", roles: ["Viewer"]),
    ]
}
