import ArgumentParser
import Foundation
import TandemRuntime
import TandemServer
import TandemStore

/// The store maintenance commands, run against the configured durable store (SQLite or PostgreSQL).
///
/// Each prints what it did with counts; nothing is deleted without being archived first. With `memory:` there is
/// nothing to maintain: they say so and exit 0.
enum Maintenance {
    /// Opens (and migrates) the configured store and runs `body` with it and the URL to print.
    static func run(
        _ options: ConfigOptions,
        task: String,
        _ body: (DurableStores.Opened, String) async throws -> Void
    ) async throws {
        let configuration = try options.resolve()
        let shown = redacted(configuration.databaseURL)
        do {
            let done: Void? = try await DurableStores.withDurableStore(
                configuration.databaseURL,
                configuration: configuration
            ) { opened in try await body(opened, shown) }
            if done == nil {
                print(
                    "\(task): needs a durable store; database.url is \(shown) "
                        + "(set TANDEM_DATABASE_URL to sqlite:PATH or postgres://…). Nothing to do."
                )
            }
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("tandem-server: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("tandem-server \(task): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The wall-clock cut-off `age` before now, in milliseconds since 1970 (executables may read the clock).
    static func cutoffMillis(olderThan age: Duration) -> Int64 {
        SystemClock().wallMillis() - age.components.seconds * 1_000
    }

    static func timestamp(_ millis: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(millis) / 1_000))
    }

    /// The URL without a password (`postgres://user:***@host/db`).
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"), scheme.upperBound < at,
            let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
        else { return url }
        return url.replacingCharacters(in: url.index(after: colon)..<at, with: "***")
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

    func run() async throws {
        try await Maintenance.run(options, task: "migrate") { opened, url in
            let versions = opened.schemaVersions.map(String.init).joined(separator: ", ")
            let applied =
                opened.newlyApplied.isEmpty
                ? "already up to date"
                : "applied now: " + opened.newlyApplied.map(String.init).joined(separator: ", ")
            print("migrate: \(url): schema versions \(versions) (\(applied))")
        }
    }
}

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move change-log and audit rows older than a cut-off into the *_archive tables.",
        discussion: "Record state stays; a client resyncing from before an archived version gets a fresh snapshot. "
            + "Example: tandem-server prune --older-than 30d"
    )

    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("older-than"), help: "Age cut-off: 30d, 24h, 15m …", transform: Maintenance.duration)
    var olderThan: Duration = .seconds(30 * 86_400)

    func run() async throws {
        let age = ServerDurationText.format(olderThan)
        try await Maintenance.run(options, task: "prune") { opened, url in
            let cutoff = Maintenance.cutoffMillis(olderThan: olderThan)
            let counts = try await opened.store.prune(olderThanMillis: cutoff)
            print(
                "prune: \(url): archived \(counts.changesArchivedCount) changes (ab_model_change_log_archive) and "
                    + "\(counts.auditEventsArchivedCount) audit events (ab_collaboration_events_archive) older than "
                    + "\(age) (before \(Maintenance.timestamp(cutoff)))"
            )
        }
    }
}

struct CleanupSessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup-sessions",
        abstract: "Mark collaboration sessions inactive after a time without activity (their rows and events stay).",
        discussion: "Example: tandem-server cleanup-sessions --older-than 24h"
    )

    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("older-than"), help: "Inactivity cut-off: 24h, 30m …", transform: Maintenance.duration)
    var olderThan: Duration = .seconds(86_400)

    func run() async throws {
        let age = ServerDurationText.format(olderThan)
        try await Maintenance.run(options, task: "cleanup-sessions") { opened, url in
            let cutoff = Maintenance.cutoffMillis(olderThan: olderThan)
            let count = try await opened.store.cleanupInactiveSessions(olderThanMillis: cutoff)
            print(
                "cleanup-sessions: \(url): marked \(count) sessions inactive (no activity for \(age), "
                    + "before \(Maintenance.timestamp(cutoff))); their participants were cleared, nothing was deleted"
            )
        }
    }
}
