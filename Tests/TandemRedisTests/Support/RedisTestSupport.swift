import Foundation
import Synchronization
import TandemCore
import TandemEngine
import TandemRedis
import Testing

func environmentValue(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }

func processID() -> Int32 { ProcessInfo.processInfo.processIdentifier }

/// The Redis the integration tests use, from `TANDEM_TEST_REDIS_URL` (set by scripts/test.sh).
enum TestRedis {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "TANDEM_TEST_REDIS_URL is not set: run scripts/test.sh, which starts a redis-server and exports it"
        }
    }

    /// The endpoint, or an error that fails the test (never a silent pass).
    static func endpoint() throws -> RedisEndpoint {
        guard let url = environmentValue("TANDEM_TEST_REDIS_URL"), !url.isEmpty else { throw NotConfigured() }
        return try RedisEndpoint(url: url)
    }

    private static let keyCounter = Atomic<Int>(0)

    /// A stream key no other test (or earlier run) uses.
    static func uniqueStreamKey(_ test: String = #function) -> String {
        let name = test.prefix { $0 != "(" }
        return "tandem:test:\(name):\(processID())-\(keyCounter.add(1, ordering: .relaxed).newValue)"
    }

    /// Two backplanes with the test configuration on one fresh stream: nodes a and b of one deployment.
    static func twoBackplanes(_ test: String = #function) throws -> (RedisBackplane, RedisBackplane) {
        let endpoint = try endpoint()
        let key = uniqueStreamKey(test)
        return (
            RedisBackplane(configuration: configuration(endpoint, key: key)),
            RedisBackplane(configuration: configuration(endpoint, key: key))
        )
    }

    /// A configuration for tests: a unique stream, quick reconnects, log lines collected instead of printed.
    static func configuration(
        _ endpoint: RedisEndpoint,
        key: String,
        log: LogLines? = nil,
        configure: (inout RedisBackplaneConfiguration) -> Void = { _ in }
    ) -> RedisBackplaneConfiguration {
        var configuration = RedisBackplaneConfiguration(endpoint: endpoint)
        configuration.streamKey = key
        configuration.reconnectDelayMin = .milliseconds(20)
        configuration.reconnectDelayMax = .milliseconds(200)
        configuration.readBlock = .milliseconds(500)
        if let log { configuration.log = { line in log.append(line) } }
        configure(&configuration)
        return configuration
    }
}

/// Log lines a backplane wrote, for tests to check.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// What one subscribed node was delivered, in order.
final class Inbox: Sendable {
    private let envelopes = Mutex<[BackplaneEnvelope]>([])

    var deliver: @Sendable (BackplaneEnvelope) async -> Void {
        { envelope in self.envelopes.withLock { $0.append(envelope) } }
    }
    var all: [BackplaneEnvelope] { envelopes.withLock { $0 } }
    var count: Int { envelopes.withLock { $0.count } }

    /// The sequence numbers of the delivered test envelopes (see `Envelopes.numbered`).
    var numbers: [Int] { all.compactMap(Envelopes.number) }
}

/// Envelopes that carry a sequence number, so tests can check order, gaps and duplicates.
enum Envelopes {
    static let key = RecordKey(model: "Contact", recordID: "1")

    static func numbered(_ number: Int, from origin: String) -> BackplaneEnvelope {
        BackplaneEnvelope(
            origin: origin,
            message: .comment(
                key,
                Comment(
                    id: "cm-\(number)",
                    field: "notes",
                    text: "message \(number)",
                    parentID: nil,
                    user: UserRef(id: 1, username: "alice"),
                    createdAtMillis: Int64(number)
                )
            )
        )
    }

    static func number(_ envelope: BackplaneEnvelope) -> Int? {
        guard case .comment(_, let comment) = envelope.message else { return nil }
        return Int(comment.createdAtMillis)
    }
}
