import ArgumentParser
import TandemServer

/// The store maintenance commands; each needs a durable store (SQLite or PostgreSQL, from `TandemStore`).
enum Maintenance {
    static func requireDurableStore(_ options: ConfigOptions, task: String) throws {
        let configuration = try options.resolve()
        if StoreFactory.isDurable(configuration.databaseURL) {
            print(
                "\(task): the store at \(configuration.databaseURL) is not supported by this build yet (TandemStore is not linked)"
            )
            throw ExitCode(1)
        }
        print(
            "\(task): needs a durable store; database.url is \(configuration.databaseURL) "
                + "(set TANDEM_DATABASE_URL to sqlite:///path/tandem.db or postgres://…). Nothing to do."
        )
    }

    static func duration(_ text: String) throws -> Duration {
        guard let duration = ServerDurationText.parse(text), duration > .zero else {
            throw ValidationError("expected a duration like 30d, 24h, 15m or 10s, found '\(text)'")
        }
        return duration
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the event store's tables (ab_collaboration_*); safe to run twice."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws { try Maintenance.requireDurableStore(options, task: "migrate") }
}

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Archive and delete collaboration events older than a cut-off (the change log keeps a snapshot).",
        discussion: "Example: tandem-server prune --older-than 30d"
    )

    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("older-than"), help: "Age cut-off: 30d, 24h, 15m …", transform: Maintenance.duration)
    var olderThan: Duration = .seconds(30 * 86_400)

    func run() async throws {
        try Maintenance.requireDurableStore(options, task: "prune (older than \(ServerDurationText.format(olderThan)))")
    }
}

struct CleanupSessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup-sessions",
        abstract: "Remove collaboration sessions inactive for longer than a cut-off.",
        discussion: "Example: tandem-server cleanup-sessions --older-than 24h"
    )

    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("older-than"), help: "Inactivity cut-off: 24h, 30m …", transform: Maintenance.duration)
    var olderThan: Duration = .seconds(86_400)

    func run() async throws {
        try Maintenance.requireDurableStore(
            options,
            task: "cleanup-sessions (inactive for \(ServerDurationText.format(olderThan)))"
        )
    }
}
