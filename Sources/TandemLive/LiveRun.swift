import Foundation
import Logging
import NIOCore
import NIOPosix
import TandemCore
import TandemEngine
import TandemReport
import TandemRuntime
import TandemScenario
import TandemSim
import TandemStore

/// Settings of a live run that are not in the scenario file.
public struct LiveRunOptions: Sendable {
    /// The seed (default: the scenario's): the clients' behaviour, the fault draws and the proxies' latency draws.
    public var seed: UInt64?
    /// The `tandem-server` binary the nodes run.
    public var serverBinary: URL
    /// Use this PostgreSQL instead of starting a throwaway one (several nodes).
    public var databaseURL: String?
    /// Hears one line per step and about once a second while the run plays.
    public var progress: @Sendable (String) -> Void = { _ in }
    /// Answers true once the run should stop early (Ctrl-C); checked between steps.
    public var stopRequested: @Sendable () -> Bool = { false }
    /// Added to every server's environment (e.g. `TANDEM_BROKEN_ACK_BEFORE_PERSIST=1` for checker tests).
    public var serverEnvironment: [String: String] = [:]
    /// Servers someone else runs, instead of a managed cluster.
    public var external: ExternalTargets?
    /// Logins in flight at once.
    public var loginConcurrency = 8
    /// Play only this slice of the users (with `external` targets); the run also yields a partial report.
    public var shard: Shard?
    /// When the schedule's time 0 is, on the wall clock (every shard of a run is given the same); nil: once every
    /// user has logged in.
    public var startAt: Date?
    public var engineVersion = EngineVersion.current

    public init(serverBinary: URL) { self.serverBinary = serverBinary }
}

/// Servers someone else runs (`--target`): where they are, how every scenario user logs in, and the database the
/// checkers read.
public struct ExternalTargets: Sendable {
    public var urls: [String]
    public var password: String
    public var adminUsername: String
    public var adminPassword: String?
    public var databaseURL: String

    public init(urls: [String], password: String, adminUsername: String, adminPassword: String?, databaseURL: String) {
        self.urls = urls
        self.password = password
        self.adminUsername = adminUsername
        self.adminPassword = adminPassword
        self.databaseURL = databaseURL
    }
}

/// Why a live run could not produce a report (as opposed to a report whose checks fail).
public struct LiveRunError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// What a live run produced: its report, and with `--shard` the partial report `tandem merge` combines.
public struct LiveRunResult: Sendable {
    public var report: Report
    public var partial: PartialReport?
    /// Each node's last `/metrics` page, in node order (empty when it could not be read): what `tandem calibrate`
    /// fits the simulator from.
    public var metricsPages: [String] = []
    /// Each node's page just before the schedule started (after logins): subtracted from the last one, the
    /// played run alone, without start-up, seeding and logins.
    public var metricsPagesAtStart: [String] = []
}

/// Runs a scenario against real processes: its topology as `tandem-server` nodes (with Redis and PostgreSQL when it
/// has several), one real WebSocket per user driven by the simulator's own client code on the wall clock, its faults
/// for real, and the same checkers over the real database. The report has `mode: live`.
public enum LiveRun {
    public static func run(_ scenario: Scenario, options: LiveRunOptions) async throws -> LiveRunResult {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let report = try await run(scenario, group: group, options: options)
            try? await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func run(
        _ scenario: Scenario, group: MultiThreadedEventLoopGroup, options: LiveRunOptions
    ) async throws -> LiveRunResult {
        let seed = options.seed ?? scenario.seed
        let members = ScenarioMember.all(of: scenario, seed: seed)
        if let shard = options.shard, options.external == nil {
            throw LiveRunError("shard \(shard): a shard runs against servers given with --target (every shard the same), "
                               + "not a cluster of its own")
        }
        if let external = options.external {
            let targets = try LiveTargets(
                urls: external.urls, storeURL: external.databaseURL, password: external.password,
                adminUsername: external.adminUsername, adminPassword: external.adminPassword ?? external.password)
            let refused = targets.unsupportedFaults(of: scenario)
            guard refused.isEmpty else { throw LiveRunError("\(scenario.file): " + refused.joined(separator: "; ")) }
            return try await run(scenario, seed: seed, members: members, targets: targets, group: group,
                                 options: options)
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try await LiveCluster.up(
            scenario, seed: seed, serverBinary: options.serverBinary, databaseURL: options.databaseURL,
            directory: directory, users: members.map(\.username), serverEnvironment: options.serverEnvironment,
            progress: options.progress)
        do {
            let report = try await run(scenario, seed: seed, members: members, targets: LiveTargets(cluster: cluster),
                                       group: group, options: options)
            await cluster.down()
            return report
        } catch {
            await cluster.down()
            throw error
        }
    }

    private static func run(
        _ scenario: Scenario, seed: UInt64, members: [ScenarioMember], targets: LiveTargets,
        group: MultiThreadedEventLoopGroup, options: LiveRunOptions
    ) async throws -> LiveRunResult {
        let progress = options.progress
        let rest = LiveREST(baseURL: targets.nodes[0].restURL)
        // With a shard: its users only, by their place in the whole run (`member.index`); the schedule is the whole
        // run's, of which this shard plays its users' arrivals and departures.
        let everyone = members
        let members = options.shard.map { shard in everyone.filter { shard.contains(member: $0.index) } } ?? everyone
        let position = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.index, $0) })
        progress("logging in \(members.count) users" + (options.shard.map { " (shard \($0) of \(everyone.count))" } ?? ""))
        let logins = try await login(members.map(\.username), password: targets.password, via: rest,
                                     concurrency: options.loginConcurrency)
        let admin = try await rest.login(username: targets.adminUsername, password: targets.adminPassword)
        let models = ScenarioModels.registry(scenario)
        let store = try await CheckedStore.open(targets.storeURL)
        defer { store.close() }

        if let startAt = options.startAt {
            let wait = startAt.timeIntervalSinceNow
            guard wait > -1 else {
                throw LiveRunError("the start time \(startAt) passed \(Int(-wait)) s before the users were ready: give "
                                   + "a later --start-at")
            }
            progress(String(format: "waiting %.1f s for the shared start time", max(0, wait)))
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1_000))) }
        }
        let loop = group.next()
        // Every shard's clock reads 0 at the shared start time, so the send times change ids carry mean the same in
        // each (to the hosts' clock agreement, NTP's few milliseconds between machines).
        let startedAt = options.startAt ?? Date()
        let clock = LoopClientClock(loop: loop, zeroAt: startedAt)
        let usage = ProcessUsage.now()
        let recorder = SimRecorder(clock: clock, tracer: nil, groups: scenario.population.map(\.name))
        let counters = LiveCounters()
        let links = LiveLinks(
            addresses: targets.nodes.map(\.clientAddress), tokens: Dictionary(uniqueKeysWithValues: zip(members.map(\.index), logins.map(\.token))), loop: loop, counters: counters)
        // The servers may have seen this scenario's change ids before (a run with the same seed, another shard
        // started a second time): each run's own prefix keeps them apart.
        let runID = String(UInt64(startedAt.timeIntervalSince1970 * 1_000_000), radix: 36)
        var environment = ClientEnvironment(seed: seed, clock: clock, recorder: recorder, links: links,
                                            changeIDPrefix: runID + "-", sendTimeInChangeIDs: options.shard != nil)
        // The clients run on their sockets' loop (LiveConnection hands them each frame there, in place).
        environment.executor = loop.executor
        // Each frame is decoded on its own: no two clients share an operation's array, so a cache would only miss.
        environment.textOperations = nil
        let clients = zip(members, logins).map { member, login in
            var member = member
            member.homeNode %= targets.nodes.count
            return SimClient(member: member, user: member.identity(id: login.userID), model: models,
                             environment: environment)
        }
        let checkers = Checkers(store: store.store, models: models, clients: clients, recorder: recorder)
        let faults = LiveFaults(scenario: scenario, seed: seed, targets: targets, clients: clients, recorder: recorder,
                                clock: clock, adminToken: admin.token, shard: options.shard, progress: progress)
        let durationNanos = scenario.duration.nanosecondsClamped
        let totalNanos = scenario.totalDuration.nanosecondsClamped
        var convergence = ConvergenceTracker(settleStartNanos: durationNanos)
        var startPages: [String] = []
        for node in targets.nodes { startPages.append((try? await LiveREST(baseURL: node.restURL).metrics()) ?? "") }
        progress("playing \(scenario.name) for \(scenario.totalDuration) (seed \(seed))")
        do {
            // Every task the clients start prefers the loop their sockets are on.
            try await SimRuntime.$preferredTaskExecutor.withValue(links.executor) {
                for event in SimSchedule.events(for: scenario, clientCount: everyone.count, seed: seed) {
                    let wait = event.atNanos - clock.nowNanos
                    if wait > 0 { try await Task.sleep(for: .nanoseconds(wait)) }
                    if options.stopRequested() { throw LiveRunError("stopped before the end of the run") }
                    switch event.kind {
                    case .arrive(let member): if let client = position[member] { await clients[client].arrive() }
                    case .depart(let member): if let client = position[member] { await clients[client].depart() }
                    case .faultStart(let index): await faults.start(index)
                    case .faultEnd(let index): await faults.end(index)
                    case .sample: await sample(clients: clients, counters: counters, clock: clock, total: totalNanos,
                                               progress: progress)
                    case .stopActing: for client in clients { await client.stopActing() }
                    case .converge:
                        convergence.record(atNanos: clock.nowNanos, divergent: try await checkers.divergentCount())
                    }
                }
                let wait = totalNanos - clock.nowNanos
                if wait > 0 { try await Task.sleep(for: .nanoseconds(wait)) }
            }
            progress("checking")
            // The final check also reads every node's own view, through an administrator's join on each record.
            let final = Checkers(
                store: store.store, models: models, clients: clients, recorder: recorder,
                nodes: targets.nodes.map { node in
                    ProbedNode(name: node.name, address: node.directAddress, token: admin.token,
                               probeUserID: admin.userID, group: group, counters: counters)
                })
            let divergent = try await final.divergentClients()
            convergence.record(atNanos: clock.nowNanos, divergent: divergent.count)
            let lost = try await final.lostAcknowledgedWrites()
            let ghosts = try await final.presenceGhosts()
            let elapsedNanos = clock.nowNanos
            ProcessUsage.now().record(since: usage, framesIn: counters.framesIn, into: recorder)
            if counters.undecodableFrames > 0 {
                recorder.count("client.undecodable_frames", node: nil, by: counters.undecodableFrames)
                progress("\(counters.undecodableFrames) frames could not be decoded; the first: "
                    + (counters.firstUndecodable ?? ""))
            }
            if counters.connectFailures > 0 {
                recorder.count("client.connect_failures", node: nil, by: counters.connectFailures)
            }
            let (scraped, pages) = await scrapeNodes(targets, before: faults.countersBeforeCrashes, into: recorder)
            for client in clients { await client.finish() }
            let report = recorder.metrics.makeReport(
                identity: RunIdentity(
                    scenarioName: scenario.name, scenarioFileHash: scenario.fileHash, seed: seed, mode: .live,
                    engineVersion: options.engineVersion, simulatedTimeMs: Double(elapsedNanos) / 1e6),
                wall: WallClock(timeMs: Double(elapsedNanos) / 1e6,
                                startedAtUnixMs: Int64((startedAt.timeIntervalSince1970 * 1_000).rounded())),
                convergence: convergence.report(divergentClients: divergent),
                lostAcknowledgedWrites: lost, versionOrderViolations: recorder.violations,
                presenceGhosts: ghosts, expectations: scenario.expectations, phases: scenario.phaseWindows)
            let partial = options.shard.map { shard in
                // The servers' own counters were read by every shard; the largest peak is what one shard needed.
                PartialReport(
                    shard: shard, scenarioFile: scenario.file, report: report, metrics: recorder.metrics.snapshot(),
                    sharedCounters: scraped + [PartialReport.counterKey("load_generator.peak_rss_mib", .run)])
            }
            return LiveRunResult(report: report, partial: partial, metricsPages: pages, metricsPagesAtStart: startPages)
        } catch {
            for client in clients { await client.finish() }
            throw error
        }
    }

    /// Logs every user in, `concurrency` at a time; the logins come back in the users' order.
    private static func login(
        _ usernames: [String], password: String, via rest: LiveREST, concurrency: Int
    ) async throws -> [LiveREST.Login] {
        var logins = [LiveREST.Login?](repeating: nil, count: usernames.count)
        try await withThrowingTaskGroup(of: (Int, LiveREST.Login).self) { group in
            var next = 0
            func add() {
                guard next < usernames.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await rest.login(username: usernames[index], password: password)) }
            }
            for _ in 0..<max(1, concurrency) { add() }
            while let (index, login) = try await group.next() {
                logins[index] = login
                add()
            }
        }
        return logins.map { $0! }
    }

    /// Once a second: a progress line.
    private static func sample(
        clients: [SimClient], counters: LiveCounters, clock: LoopClientClock, total: Int64,
        progress: @Sendable (String) -> Void
    ) async {
        var connected = 0
        for client in clients where await client.connected { connected += 1 }
        let seconds = Double(clock.nowNanos) / 1e9
        progress(String(format: "t=%.0fs of %.0fs: %d/%d connected, %d frames in", seconds, Double(total) / 1e9,
                        connected, clients.count, counters.framesIn))
    }

    /// Each node's own counters from `/metrics` (`tandem_*` samples without labels, and `tandem_server_events_total`
    /// by event), into the report's node table; answers their keys (`name@node:node-N`). A node that was killed and
    /// restarted adds the counters it had read just before each kill (`before`) to those of its last incarnation.
    private static func scrapeNodes(
        _ targets: LiveTargets, before crashes: [Int: [String: Double]], into recorder: SimRecorder
    ) async -> (keys: [String], pages: [String]) {
        var keys: [String] = []
        var pages: [String] = []
        for (index, node) in targets.nodes.enumerated() {
            var totals = crashes[index] ?? [:]
            let page = try? await LiveREST(baseURL: node.restURL).metrics()
            pages.append(page ?? "")
            if let text = page {
                for sample in PrometheusText.samples(text) where !sample.name.hasSuffix("_sum") {
                    totals[sample.name] = sample.isCounter ? totals[sample.name, default: 0] + sample.value : sample.value
                }
            } else {
                recorder.count("metrics.scrape_failed", node: index)
            }
            for (name, value) in totals.sorted(by: { $0.key < $1.key }) {
                recorder.count(name, node: index, by: Int(value.rounded()))
                keys.append(PartialReport.counterKey(name, .node("node-\(index + 1)")))
            }
        }
        return (keys, pages)
    }
}

/// The database the live checkers read: the same store code the server runs, opened on the same database.
struct CheckedStore: Sendable {
    let store: any EventStore
    let close: @Sendable () -> Void

    static func open(_ url: String) async throws -> CheckedStore {
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            let store = try await SQLiteEventStore(path: path)
            return CheckedStore(store: store, close: { Task { await store.close() } })
        }
        let store = try PostgresEventStore(url: url, logger: Logger(label: "tandem.live.checkers"),
                                           options: .init(maximumConnections: 2, operationTimeout: .seconds(60)))
        let pool = Task { await store.run() }
        return CheckedStore(store: store, close: { pool.cancel() })
    }
}

/// The load generator's own cost: CPU time (user + system) and peak resident memory of this process.
struct ProcessUsage: Sendable {
    var cpuNanos: Int64
    var peakResidentKiB: Int64

    static func now() -> ProcessUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = (Int64(usage.ru_utime.tv_sec) + Int64(usage.ru_stime.tv_sec)) * 1_000_000_000
            + (Int64(usage.ru_utime.tv_usec) + Int64(usage.ru_stime.tv_usec)) * 1_000
        return ProcessUsage(cpuNanos: cpu, peakResidentKiB: Int64(usage.ru_maxrss))
    }

    /// Counts, in the report's run scope, what the run cost this process since `start`.
    func record(since start: ProcessUsage, framesIn: Int, into recorder: SimRecorder) {
        let cpu = cpuNanos - start.cpuNanos
        recorder.count("load_generator.cpu_ms", node: nil, by: Int(cpu / 1_000_000))
        recorder.count("load_generator.frames_in", node: nil, by: framesIn)
        recorder.count("load_generator.peak_rss_mib", node: nil, by: Int(peakResidentKiB / 1_024))
        if framesIn > 0 {
            recorder.count("load_generator.cpu_ns_per_frame_in", node: nil, by: Int(cpu / Int64(framesIn)))
        }
    }
}

/// Reads a node's `/metrics` into report counters: every unlabelled `tandem_*` sample as `server.<name>`, the
/// server events by event, and the counters the simulated node reports under the same names (`commits`,
/// `append_clashes`, `messages.in`, `messages.out`, `conflicts.detected|auto_resolved|manual`), so the two reports'
/// node tables and conflict counts line up.
enum PrometheusText {
    static let sameAsSimulator = [
        "tandem_commits_total": "commits", "tandem_append_clashes_total": "append_clashes",
        "tandem_messages_in_total": "messages.in", "tandem_messages_out_total": "messages.out",
    ]

    /// One value read from a page, under its report name.
    struct Sample: Equatable {
        var name: String
        var value: Double
        /// A running total since the process started (a counter, or a histogram's `_count`): what a node counted
        /// before a crash adds to what its next incarnation counts. Otherwise a level (a gauge): only the last one holds.
        var isCounter: Bool
    }

    /// One sample line of a page: the family-or-series name (before any `{`), its labels' text, its value.
    struct Line {
        var name: Substring
        var labels: Substring
        var value: Double

        /// The value of label `key`, if the line has it.
        func label(_ key: String) -> Substring? {
            guard let start = labels.range(of: key + "=\""),
                  let end = labels[start.upperBound...].firstIndex(of: "\"") else { return nil }
            return labels[start.upperBound..<end]
        }
    }

    /// Every sample line of a page (comments and lines without a finite value skipped), and the `# TYPE` of each
    /// family seen before it, by family name.
    static func lines(_ text: String, types: ((Substring, Substring) -> Void)? = nil) -> [Line] {
        text.split(separator: "\n").compactMap { line -> Line? in
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count >= 4, parts[1] == "TYPE" { types?(parts[2], parts[3]) }
                return nil
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]),
                  value.isFinite else { return nil }
            let series = line[..<space]
            let brace = series.firstIndex(of: "{") ?? series.endIndex
            return Line(name: series[..<brace], labels: series[brace...], value: value)
        }
    }

    static func samples(_ text: String) -> [Sample] {
        var samples: [Sample] = []
        var types: [Substring: Substring] = [:]
        var conflicts = 0.0
        for line in lines(text, types: { types[$0] = $1 }) {
            let (base, value) = (line.name, line.value)
            let isCounter = Self.isCounter(base, types: types)
            if !line.labels.isEmpty {
                if base == "tandem_server_events_total", let event = line.label("event") {
                    samples.append(Sample(name: "server.\(event)", value: value, isCounter: isCounter))
                } else if base == "tandem_conflicts_total", let kind = line.label("kind") {
                    samples.append(Sample(name: "conflicts.\(kind)", value: value, isCounter: isCounter))
                    conflicts += value
                }
            } else if base.hasPrefix("tandem_") {
                let name = String(base)
                samples.append(Sample(name: "server.\(base.dropFirst("tandem_".count))", value: value, isCounter: isCounter))
                if let same = sameAsSimulator[name] { samples.append(Sample(name: same, value: value, isCounter: isCounter)) }
            }
        }
        if conflicts > 0 { samples.append(Sample(name: "conflicts.detected", value: conflicts, isCounter: true)) }
        return samples
    }

    /// By the family's `# TYPE` (a histogram's or summary's `_count` and `_sum` run on like counters); a family the
    /// page does not type is a counter when its name ends in `_total`, as Prometheus names them.
    private static func isCounter(_ name: Substring, types: [Substring: Substring]) -> Bool {
        if let type = types[name] { return type == "counter" }
        for suffix in ["_count", "_sum", "_bucket"] where name.hasSuffix(suffix) {
            if let type = types[name.dropLast(suffix.count)] { return type == "histogram" || type == "summary" }
        }
        return name.hasSuffix("_total")
    }

    /// The running totals of a page, by report name, `_sum`s left out (as the report leaves them out).
    static func counters(_ text: String) -> [String: Double] {
        samples(text).reduce(into: [:]) { totals, sample in
            if sample.isCounter, !sample.name.hasSuffix("_sum") { totals[sample.name, default: 0] += sample.value }
        }
    }
}
