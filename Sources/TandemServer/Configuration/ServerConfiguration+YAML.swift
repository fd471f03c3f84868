import Foundation
import Yams

extension ServerConfiguration {
    static let topLevelKeys = [
        "server", "database", "backplane", "auth", "models", "roles", "limits", "heartbeat",
        "logging", "websocket",
    ]
    static let serverKeys = [
        "host", "port", "node_id", "data_dir", "allowed_origins", "shutdown_grace", "strict_transport_security", "tls",
    ]
    static let tlsKeys = ["certificate", "key"]
    static let webSocketKeys = ["compression"]
    static let databaseKeys = ["url"]
    static let authKeys = [
        "jwt_secret", "access_token_ttl", "refresh_token_ttl", "bcrypt_cost", "users_file", "issuer", "seed_users",
        "login_throttle", "bcrypt_concurrency", "bcrypt_queue_max", "users_file_poll",
    ]
    static let loginThrottleKeys = [
        "username_failures_free", "address_failures_free", "backoff_base", "backoff_max", "forget_after",
    ]
    static let seedUserKeys = ["username", "password", "roles"]
    static let limitsKeys = [
        "frame_bytes_max", "frame_bytes_hard_max", "messages_per_second", "message_burst",
        "participants_per_session_max", "outbound_queue_count_max", "breaches_before_close_max",
        "sessions_per_connection_max", "request_body_bytes_max", "sockets_per_address_max",
        "socket_upgrades_per_second_per_address", "socket_upgrade_burst_per_address",
    ]
    static let heartbeatKeys = ["interval", "timeout"]
    static let loggingKeys = ["level"]

    /// Every key a configuration file may hold, as the admin guide names them: dotted paths, `<Model>`, `<field>`
    /// and `<Role>` for names the file chooses, `[]` for a list's items. Built from the same lists the reader
    /// checks files against, so a key added to a reader shows up here (and `DocsReferenceTests` asks for its docs).
    static var acceptedKeyPaths: [String] {
        func paths(_ prefix: String, _ keys: [String]) -> [String] { keys.map { "\(prefix).\($0)" } }
        var result: [String] = []
        for section in topLevelKeys {
            switch section {
            case "server":
                result += paths(section, serverKeys)
                result += paths("server.tls", tlsKeys)
            case "database": result += paths(section, databaseKeys)
            case "backplane": result += paths(section, backplaneKeys)
            case "auth":
                result += paths(section, authKeys)
                result += paths("auth.login_throttle", loginThrottleKeys)
                result += paths("auth.seed_users[]", seedUserKeys)
            case "models":
                result.append("models.<Model>.<field>")
                result += paths("models.<Model>.<field>", fieldSpecKeys)
            case "roles": result.append("roles.<Role>")
            case "limits": result += paths(section, limitsKeys)
            case "heartbeat": result += paths(section, heartbeatKeys)
            case "logging": result += paths(section, loggingKeys)
            case "websocket": result += paths(section, webSocketKeys)
            default: result.append(section)
            }
        }
        return result
    }

    /// Reads a YAML configuration file over the embedded defaults; every mistake names file, line and key.
    public static func load(file path: String) throws(ConfigurationError) -> ServerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(
                file: path,
                line: 0,
                key: "",
                message: "cannot read the file: \(error.localizedDescription)"
            )
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses configuration text; `file` names it in errors.
    public static func parse(yaml text: String, file: String) throws(ConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.source = file
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (line, key, problem) = Self.locate(error)
            throw ConfigurationError(file: file, line: line, key: key, message: "invalid YAML: \(problem)")
        } catch {
            throw ConfigurationError(file: file, line: 0, key: "", message: "invalid YAML: \(error)")
        }
        guard let root else { return configuration }
        let value = ConfigValue(node: root, path: "", file: file)
        for (key, section) in try value.mapping(allowed: topLevelKeys) where !section.isNull {
            try configuration.apply(section: key, section)
        }
        return configuration
    }

    /// Line, key and problem of a YAML syntax error (for a duplicate key: its first occurrence).
    private static func locate(_ error: YamlError) -> (line: Int, key: String, problem: String) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return (mark.line, "", problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.joined(separator: ", ")
            return (context.mark.line, keys, "duplicate key '\(keys)' (first written on this line)")
        default:
            return (0, "", "\(error)")
        }
    }

    private mutating func apply(section key: String, _ section: ConfigValue) throws(ConfigurationError) {
        switch key {
        case "server": try applyServer(section)
        case "database":
            for (key, value) in try section.mapping(allowed: Self.databaseKeys) where key == "url" {
                databaseURL = try value.text()
            }
        case "backplane": try applyBackplane(section)
        case "auth": try applyAuth(section)
        case "models": models = try Self.decodeModels(section)
        case "roles": access = try Self.decodeRoles(section)
        case "limits": try applyLimits(section)
        case "heartbeat":
            for (key, value) in try section.mapping(allowed: Self.heartbeatKeys) {
                if key == "interval" {
                    heartbeatInterval = try value.duration()
                } else {
                    heartbeatTimeout = try value.duration()
                }
            }
            guard heartbeatTimeout > heartbeatInterval else {
                throw section.error(
                    "heartbeat.timeout must be longer than heartbeat.interval",
                    key: "heartbeat.timeout"
                )
            }
        case "logging":
            for (_, value) in try section.mapping(allowed: Self.loggingKeys) { logLevel = try Self.logLevel(value) }
        case "websocket":
            for (_, value) in try section.mapping(allowed: Self.webSocketKeys) {
                webSocketCompression = try value.bool()
            }
        default: break
        }
    }

    static func logLevel(_ value: ConfigValue) throws(ConfigurationError) -> String {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        let level = try value.text().lowercased()
        guard levels.contains(level) else { throw value.error("expected one of \(levels.joined(separator: ", "))") }
        return level
    }

    private mutating func applyServer(_ section: ConfigValue) throws(ConfigurationError) {
        for (key, value) in try section.mapping(allowed: Self.serverKeys) {
            switch key {
            case "host": host = try value.text()
            case "port": port = try value.integer(in: 0...65_535)
            case "node_id":
                nodeID = try value.text()
                guard Self.isIdentifier(nodeID) else {
                    throw value.error("a node id may hold letters, digits, '-', '_' and '.'")
                }
            case "data_dir": dataDirectory = try value.text()
            case "allowed_origins": allowedOrigins = try value.strings()
            case "shutdown_grace": shutdownGrace = try value.duration()
            case "strict_transport_security":
                if value.isFalse {
                    strictTransportSecurity = nil
                } else {
                    strictTransportSecurity = try value.duration()
                }
            case "tls": tls = value.isFalse ? nil : try Self.decodeTLS(value)
            default: break
            }
        }
    }

    /// `server.tls: {certificate: PATH, key: PATH}`, both required; the files are read at start.
    private static func decodeTLS(_ value: ConfigValue) throws(ConfigurationError) -> TLSFiles {
        var certificate: String?
        var key: String?
        for (name, field) in try value.mapping(allowed: tlsKeys) {
            if name == "certificate" { certificate = try field.text() } else { key = try field.text() }
        }
        guard let certificate, let key else {
            let missing = certificate == nil ? "certificate" : "key"
            throw value.error(
                "TLS needs both certificate and key (PEM file paths); \(missing) is missing",
                key: "server.tls.\(missing)")
        }
        return TLSFiles(certificate: certificate, key: key)
    }

    private mutating func applyAuth(_ section: ConfigValue) throws(ConfigurationError) {
        for (key, value) in try section.mapping(allowed: Self.authKeys) {
            switch key {
            case "jwt_secret":
                let secret = try value.text()
                guard secret.utf8.count >= 32 else { throw value.error("an HS256 secret needs at least 32 bytes") }
                auth.jwtSecret = secret
            case "access_token_ttl": auth.accessTokenLifetime = try value.duration()
            case "refresh_token_ttl": auth.refreshTokenLifetime = try value.duration()
            case "bcrypt_cost": auth.bcryptCost = try value.integer(in: 4...31)
            case "users_file": auth.usersFile = try value.text()
            case "issuer": auth.issuer = try value.text()
            case "seed_users": auth.seedUsers = try Self.decodeSeedUsers(value)
            case "login_throttle": auth.loginThrottle = try Self.decodeLoginThrottle(value)
            case "bcrypt_concurrency": auth.bcryptConcurrency = try value.integer(in: 1...1_024)
            case "bcrypt_queue_max": auth.bcryptQueueMax = try value.integer(in: 0...1_000_000)
            case "users_file_poll": auth.usersFilePoll = try value.duration()
            default: break
            }
        }
    }

    private static func decodeLoginThrottle(_ value: ConfigValue) throws(ConfigurationError) -> LoginThrottleSettings {
        var settings = LoginThrottleSettings()
        for (key, field) in try value.mapping(allowed: loginThrottleKeys) {
            switch key {
            case "username_failures_free": settings.usernameFailuresFree = try field.integer(in: 0...1_000_000)
            case "address_failures_free": settings.addressFailuresFree = try field.integer(in: 0...1_000_000)
            case "backoff_base": settings.backoffBase = try field.duration()
            case "backoff_max": settings.backoffMax = try field.duration()
            default: settings.forgetAfter = try field.duration()
            }
        }
        guard settings.backoffMax >= settings.backoffBase else {
            throw value.error("backoff_max must be at least backoff_base", key: "auth.login_throttle.backoff_max")
        }
        return settings
    }

    private static func decodeSeedUsers(_ value: ConfigValue) throws(ConfigurationError) -> [SeedUser] {
        var users: [SeedUser] = []
        for item in try value.list() {
            var username: String?
            var password: String?
            var roles: [String] = []
            for (key, field) in try item.mapping(allowed: seedUserKeys) {
                switch key {
                case "username": username = try field.text()
                case "password": password = try field.text()
                default: roles = try field.strings()
                }
            }
            guard let username, let password, !roles.isEmpty else {
                throw item.error("a seed user needs username, password and roles")
            }
            users.append(SeedUser(username: username, password: password, roles: roles))
        }
        return users
    }

    private mutating func applyLimits(_ section: ConfigValue) throws(ConfigurationError) {
        for (key, value) in try section.mapping(allowed: Self.limitsKeys) {
            switch key {
            case "frame_bytes_max": limits.frameBytesMax = try value.integer(in: 256...(64 << 20))
            case "frame_bytes_hard_max": limits.frameBytesHardMax = try value.integer(in: 256...(256 << 20))
            case "messages_per_second": limits.messagesPerSecond = try value.number(in: 0.1...1_000_000)
            case "message_burst": limits.messageBurst = try value.number(in: 1...1_000_000)
            case "participants_per_session_max": limits.participantsPerSessionMax = try value.integer(in: 1...100_000)
            case "outbound_queue_count_max": limits.outboundQueueCountMax = try value.integer(in: 1...1_000_000)
            case "breaches_before_close_max": limits.breachesBeforeCloseMax = try value.integer(in: 0...1_000_000)
            case "sessions_per_connection_max": limits.sessionsPerConnectionMax = try value.integer(in: 1...10_000)
            case "request_body_bytes_max": limits.requestBodyBytesMax = try value.integer(in: 1_024...(64 << 20))
            case "sockets_per_address_max": limits.socketsPerAddressMax = try value.integer(in: 1...10_000_000)
            case "socket_upgrades_per_second_per_address":
                limits.socketUpgradesPerSecondPerAddress = try value.number(in: 0.1...10_000_000)
            case "socket_upgrade_burst_per_address":
                limits.socketUpgradeBurstPerAddress = try value.number(in: 1...10_000_000)
            default: break
            }
        }
        guard limits.frameBytesHardMax >= limits.frameBytesMax else {
            throw section.error(
                "frame_bytes_hard_max must be at least frame_bytes_max",
                key: "limits.frame_bytes_hard_max"
            )
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 100
            && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.".contains($0) }
    }
}
