import ArgumentParser
import Foundation
import Logging
import TandemRuntime
import TandemServer

/// The `tandem-server` executable: `serve` (default), `create-user`, `migrate`, `prune`, `cleanup-sessions`.
@main
struct TandemServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-server",
        abstract: "Tandem's real-time collaboration server: WebSocket /ws, REST /api/v1, /healthz and /metrics.",
        discussion: "Configuration: embedded demo defaults, then --config FILE (YAML), then TANDEM_* environment "
            + "variables. Every key: docs/admin-guide.md. A bad configuration exits with status 2.",
        subcommands: [
            Serve.self, CreateUser.self, UpdateUser.self, Revoke.self, Migrate.self, Prune.self, CleanupSessions.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// The `--config` option shared by every subcommand.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (default: the embedded demo configuration).")
    var config: String?

    /// The resolved configuration; prints the located error and exits 2 when it is bad.
    func resolve() throws -> ServerConfiguration {
        do {
            return try ServerConfiguration.resolve(file: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("tandem-server: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server until SIGTERM or SIGINT (the default).")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Exit when the process that started this one goes away (for test harnesses and supervisors).")
    var exitWithParent = false

    @Flag(
        help: ArgumentHelp(
            "Create the demo users admin/admin, editor/editor and viewer/viewer in an empty users file.",
            discussion: "Refused (exit 2) unless the server listens on a loopback address."
        )
    )
    var demo = false

    func run() async throws {
        let configuration = try {
            var configuration = try options.resolve()
            configuration.demo = demo
            return configuration
        }()
        if exitWithParent { ParentWatch.start() }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let app = ServerApplication(
            configuration: configuration,
            seed: UInt64.random(in: .min ... .max),  // determinism: ok (executable)
            fallbackSecret: (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined(),
            logger: Logger(label: "tandem-server")
        )
        let scheme = configuration.tls == nil ? "http" : "https"
        do {
            try await app.run { port in
                FileHandle.standardOutput.write(
                    Data("tandem-server listening on \(scheme)://\(configuration.host):\(port)\n".utf8)
                )
            }
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("tandem-server: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user",
        abstract: "Add a user to the users file (like `flask fab create-user`).",
        discussion: "Example: tandem-server create-user --username alice --password s3cret --role Editor"
    )

    @OptionGroup var options: ConfigOptions
    @Option(help: "Login name: letters, digits, '-', '_', '.', '@'.") var username: String
    @Option(help: "Password (1…72 bytes); stored as a bcrypt hash.") var password: String
    @Option(help: "Role name, e.g. Admin, Editor or Viewer; comma-separate several.") var role: String

    func run() async throws {
        let configuration = try options.resolve()
        let roles = try configuration.checkedRoles(role)
        try await UserRegistry.forCommand(configuration) { registry in
            let user = try await registry.create(username: username, password: password, roles: roles)
            print(
                "created user \(user.username) (id \(user.id), roles \(user.roles.joined(separator: ", "))) in \(registry.file)"
            )
        }
    }
}

struct UpdateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-user",
        abstract: "Change a user's password and/or roles; either change revokes every token the user holds.",
        discussion: "A running server closes the user's open sockets with 4401 within auth.users_file_poll.\n"
            + "Example: tandem-server update-user --username alice --password n3w-s3cret"
    )

    @OptionGroup var options: ConfigOptions
    @Option(help: "The user to change.") var username: String
    @Option(help: "New password (1…72 bytes).") var password: String?
    @Option(help: "New role names, comma-separated (they replace the old ones).") var role: String?

    func run() async throws {
        guard password != nil || role != nil else { throw ValidationError("give --password, --role or both") }
        let configuration = try options.resolve()
        let roles = try role.map { try configuration.checkedRoles($0) }
        try await UserRegistry.forCommand(configuration) { registry in
            let user = try await registry.update(username: username, password: password, roles: roles)
            print("updated user \(user.username) (roles \(user.roles.joined(separator: ", "))); its earlier tokens are revoked")
        }
    }
}

struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Revoke every access and refresh token of a user (a lost laptop, a leaked token).",
        discussion: "A running server closes the user's open sockets with 4401 within auth.users_file_poll; the "
            + "user logs in again with their password.\nExample: tandem-server revoke --username alice"
    )

    @OptionGroup var options: ConfigOptions
    @Option(help: "The user whose tokens to revoke.") var username: String

    func run() async throws {
        let configuration = try options.resolve()
        try await UserRegistry.forCommand(configuration) { registry in
            let user = try await registry.revoke(username: username)
            print("revoked every token of \(user.username) (token version \(user.tokenVersion))")
        }
    }
}

extension UserRegistry {
    /// Runs a user command on the users file of `configuration`; a refusal (an existing or unknown user, a
    /// bad password) is printed and exits 1.
    static func forCommand(
        _ configuration: ServerConfiguration,
        _ body: (UserRegistry) async throws -> Void
    ) async throws {
        let registry = UserRegistry(
            file: configuration.usersFile,
            hasher: PasswordHasher(cost: configuration.auth.bcryptCost),
            clock: SystemClock()
        )
        do {
            try await registry.load()
            try await body(registry)
        } catch let error as UserRegistryError {
            FileHandle.standardError.write(Data("tandem-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension ServerConfiguration {
    /// `--role` split on commas, each a configured role.
    func checkedRoles(_ text: String) throws -> [String] {
        let roles = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for name in roles where access.roles[name] == nil {
            let known = access.roles.keys.sorted().joined(separator: ", ")
            throw ValidationError("unknown role '\(name)'; configured roles: \(known)")
        }
        return roles
    }
}

/// Ends the process once its parent is gone (it was re-parented, or already belongs to init), so a crashed
/// test runner leaves no server behind. Polls twice a second on a thread of its own. A server started
/// directly by init with this flag therefore exits at once: the flag is for harnesses, not for services.
enum ParentWatch {
    static func start() {
        let parent = getppid()
        let thread = Thread {
            while getppid() == parent && parent != 1 { usleep(500_000) }
            FileHandle.standardError.write(Data("tandem-server: parent process \(parent) is gone; exiting\n".utf8))
            exit(3)
        }
        thread.start()
    }
}
