import Foundation

extension ServerConfiguration {
    /// The environment variables that override the file, in the order they are applied.
    public static let environmentKeys = [
        "TANDEM_HOST", "TANDEM_PORT", "TANDEM_NODE_ID", "TANDEM_DATA_DIR", "TANDEM_DATABASE_URL", "TANDEM_REDIS_URL",
        "TANDEM_REDIS_STREAM_KEY", "TANDEM_REDIS_STREAM_LENGTH_MAX", "TANDEM_REDIS_READ_BLOCK",
        "TANDEM_REDIS_RECONNECT_DELAY_MIN", "TANDEM_REDIS_RECONNECT_DELAY_MAX",
        "TANDEM_JWT_SECRET", "TANDEM_USERS_FILE", "TANDEM_ALLOWED_ORIGINS", "TANDEM_BCRYPT_COST", "TANDEM_LOG_LEVEL",
        "TANDEM_SOCKETS_PER_ADDRESS_MAX", "TANDEM_SOCKET_UPGRADES_PER_SECOND_PER_ADDRESS",
        "TANDEM_TLS_CERTIFICATE", "TANDEM_TLS_KEY", "TANDEM_WEBSOCKET_COMPRESSION",
        "TANDEM_BROKEN_ACK_BEFORE_PERSIST", "TANDEM_BROKEN_NO_PRESENCE_EXPIRY",
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
            case "TANDEM_SOCKETS_PER_ADDRESS_MAX":
                guard let value = Int(raw), (1...10_000_000).contains(value) else {
                    throw bad("expected a socket count 1…10000000, found '\(raw)'")
                }
                limits.socketsPerAddressMax = value
            case "TANDEM_SOCKET_UPGRADES_PER_SECOND_PER_ADDRESS":
                guard let value = Double(raw), (0.1...10_000_000).contains(value) else {
                    throw bad("expected upgrades per second 0.1…10000000, found '\(raw)'")
                }
                limits.socketUpgradesPerSecondPerAddress = value
            case "TANDEM_TLS_CERTIFICATE", "TANDEM_TLS_KEY":
                guard !raw.isEmpty else { throw bad("expected a PEM file path") }
                var files = tls ?? TLSFiles(certificate: "", key: "")
                if name == "TANDEM_TLS_CERTIFICATE" {
                    files.certificate = raw
                    files.certificateSetting = name
                } else {
                    files.key = raw
                    files.keySetting = name
                }
                tls = files
            case "TANDEM_WEBSOCKET_COMPRESSION":
                switch raw.lowercased() {
                case "1", "on", "true", "yes": webSocketCompression = true
                case "0", "off", "false", "no": webSocketCompression = false
                default: throw bad("expected on or off, found '\(raw)'")
                }
            case "TANDEM_BROKEN_ACK_BEFORE_PERSIST", "TANDEM_BROKEN_NO_PRESENCE_EXPIRY":
                guard raw == "0" || raw == "1" else { throw bad("expected 1 (broken on purpose) or 0, found '\(raw)'") }
                if name == "TANDEM_BROKEN_ACK_BEFORE_PERSIST" {
                    brokenAckBeforePersist = raw == "1"
                } else {
                    brokenNoPresenceExpiry = raw == "1"
                }
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
        if let tls, tls.certificate.isEmpty || tls.key.isEmpty {
            let missing = tls.certificate.isEmpty ? "TANDEM_TLS_CERTIFICATE" : "TANDEM_TLS_KEY"
            throw ConfigurationError(
                file: "environment", line: 0, key: missing,
                message: "TLS needs both a certificate and a key (PEM file paths); \(missing) is not set")
        }
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
        return configuration
    }

    /// The demo's users, created only by `serve --demo` into an empty users file: admin/admin, editor/editor,
    /// viewer/viewer. A server holding any of them with its demo password refuses a non-loopback address.
    public static let demoSeedUsers = [
        SeedUser(username: "admin", password: "admin", roles: ["Admin"]),
        SeedUser(username: "editor", password: "editor", roles: ["Editor"]),
        SeedUser(username: "viewer", password: "viewer", roles: ["Viewer"]),
    ]
}

extension ServerConfiguration {
    /// True for addresses only this machine reaches: 127.0.0.0/8, ::1 and `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" || bare == "0:0:0:0:0:0:0:1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
