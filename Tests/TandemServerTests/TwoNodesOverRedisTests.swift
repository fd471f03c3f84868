import TandemTestSupport
import Foundation
import Synchronization
import TandemCore
import TandemEngine
import TandemRedis
import TandemStore
import Testing
import TandemCoreTestSupport

/// Two `tandem-server` processes sharing one PostgreSQL database and a real redis-server that the test SIGKILLs
/// and restarts on the same port (without persistence, so the stream comes back empty): changes flow both ways
/// in version order before, during and after the outage, and nothing acknowledged is lost.
@Suite(.timeLimit(.minutes(4)))
struct TwoNodesOverRedisTests {
    static let key = RecordKey(model: "Contact", recordID: "1")
    /// Not the default `tandem:backplane`, so the test shows `backplane.stream_key` reaches the backplane.
    static let streamKey = "tandem:two-nodes-test"

    @Test func changesReachTheOtherNodeInOrderAcrossARedisCrashAndRestart() async throws {
        try await withTwoNodes(streamKey: Self.streamKey) { nodeA, nodeB, redis, database in
            try await Self.exercise(nodeA: nodeA, nodeB: nodeB, redis: redis, database: database)
        }
    }

    static func exercise(
        nodeA: ServerProcess,
        nodeB: ServerProcess,
        redis: TestRedisServer,
        database: PostgresURL
    ) async throws {
        let a = Writer(client: try await ProtocolClient.login(nodeA, as: "alice"), field: "age", rid: 100)
        let b = Writer(client: try await ProtocolClient.login(nodeB, as: "bob"), field: "name", rid: 5_000)
        try await a.client.join()
        try await b.client.join(rid: 2)

        // 1. Redis up: A's changes reach B through the backplane, and B's reach A.
        for _ in 0..<8 { try await a.commit() }
        try await b.waitForVersion(a.version)
        try await b.commit()
        try await a.waitForVersion(b.version)

        // 2. Redis killed: both nodes still commit (the store is the sequencer) and acknowledge.
        try await redis.kill()
        for _ in 0..<5 { try await a.commit() }
        try await b.commit()  // node B's record is behind: the append clashes, B catches up from the store

        // 3. Redis back on the same port, empty: once the nodes reconnect, changes flow again. A's changes are
        // offered one at a time until B hears one; what was published into the outage is filled from the store.
        try await redis.start()
        try await waitUntil("node B to hear node A through the restarted Redis", timeout: .seconds(60)) {
            try await a.commit()
            return (try? await b.waitForVersion(a.version, timeout: .seconds(2))) != nil
        }
        try await waitUntil("node A to hear node B through the restarted Redis", timeout: .seconds(60)) {
            try await b.commit()
            return (try? await a.waitForVersion(b.version, timeout: .seconds(2))) != nil
        }
        for _ in 0..<10 { try await a.commit() }
        try await b.commit()
        let final = max(a.version, b.version)
        try await a.waitForVersion(final)
        try await b.waitForVersion(final)

        // Every client saw 1…final exactly once, in order, and both end with the same values.
        #expect(a.versionsSeen == Array(1...final), "A saw \(a.versionsSeen)")
        #expect(b.versionsSeen == Array(1...final), "B saw \(b.versionsSeen)")
        let valuesA = a.fieldValues, valuesB = b.fieldValues
        #expect(valuesA == valuesB)
        #expect(valuesA["age"] == a.lastValue && valuesA["name"] == b.lastValue, "\(valuesA)")
        try await TestPostgres.withStore(database) { store in
            let record = try #require(try await store.loadRecord(key))
            #expect(record.version == final)
            #expect(record.fields["age"] == valuesA["age"] && record.fields["name"] == valuesA["name"])
            let log = try await store.changes(key, after: 0, limit: 1_000).changes
            #expect(log.map(\.version) == Array(1...final))
            for (version, value) in a.acked.merging(b.acked, uniquingKeysWith: { first, _ in first }) {
                #expect(log.first { $0.version == version }?.newValue == value, "acked v\(version) = \(value)")
            }
        }
        // The nodes talked over the configured stream, not the default one.
        let side = RedisCommandClient(endpoint: redis.endpoint)
        #expect(try await side.command(["EXISTS", "tandem:backplane"]) == .integer(0))
        guard case .integer(let length) = try await side.command(["XLEN", streamKey]) else {
            throw TimedOut(description: "XLEN \(streamKey) answered no integer")
        }
        #expect(length > 0, "nothing was published to \(streamKey)")
        // The outage was real (A's publishes into it failed) and B heard A over Redis, before and after it.
        #expect(try await HTTP.metric("tandem_backplane_errors_total", of: nodeA) > 0)
        #expect(try await HTTP.metric("tandem_backplane_messages_in_total", of: nodeB) > 0)
        for server in [nodeA, nodeB] {
            #expect(server.serverLog.contains("reconnected"), "\(server.port) logged no Redis reconnect")
            let record = try await HTTP.request(
                "GET",
                "\(server.baseURL)/api/v1/Contact/1",
                token: try await HTTP.login(server, "ada", "ada-pw")
            ).json
            #expect(record?.int("version") == final, "\(server.port): \(String(describing: record))")
        }

        // A deletion through node A's REST API is the next version, and reaches the client on node B over Redis.
        let deleted = try await HTTP.request(
            "DELETE", "\(nodeA.baseURL)/api/v1/Contact/1?base_version=\(final)",
            token: try await HTTP.login(nodeA, "ada", "ada-pw"))
        #expect(deleted.status == 200, "\(deleted.body)")
        try await b.waitForVersion(final + 1)
        let deletion = try await b.client.next("model_changed") { $0.int("version") == final + 1 }
        #expect(deletion["change_type"] == "delete")
        #expect(deletion["origin"] == "rest")
        #expect(b.versionsSeen == Array(1...(final + 1)))
        let refused = try await b.client.change("name", value: #""late""#, base: final + 1, rid: 9_999)
        #expect(refused["code"] == "not_found", "\(refused)")
    }
}

/// One client that writes one field with whole values, based on the newest version it has seen.
final class Writer: Sendable {
    let client: ProtocolClient
    let field: String
    private let state: Mutex<(rid: Int, count: Int, acked: [Int: JSONValue])>

    init(client: ProtocolClient, field: String, rid: Int) {
        self.client = client
        self.field = field
        state = Mutex((rid, 0, [:]))
    }

    /// Versions this client was told about (its acks and others' `model_changed`), in arrival order.
    var versionsSeen: [Int] {
        client.frames.filter { $0.type == "ack" || $0.type == "model_changed" }.map { $0.json.int("version") }
    }

    var version: Int { versionsSeen.max() ?? 0 }
    var acked: [Int: JSONValue] { state.withLock { $0.acked } }
    var lastValue: JSONValue? { state.withLock { $0.acked.max { $0.key < $1.key }?.value } }

    /// The newest value of each field this client saw, by version.
    var fieldValues: [String: JSONValue] {
        var values: [String: (version: Int, value: JSONValue)] = [:]
        for frame in client.frames where frame.type == "model_changed" {
            let name = frame.json.string("field")
            let version = frame.json.int("version")
            if let value = frame.json["value"], version > values[name]?.version ?? 0 { values[name] = (version, value) }
        }
        for (version, value) in acked where version > values[field]?.version ?? 0 { values[field] = (version, value) }
        return values.mapValues(\.value)
    }

    /// Sends the next value and waits for its `ack`.
    func commit() async throws {
        let (rid, count) = state.withLock { state -> (Int, Int) in
            state.rid += 1
            state.count += 1
            return (state.rid, state.count)
        }
        let value: JSONValue = field == "age" ? .number(Double(count)) : .string("\(client.name)-\(count)")
        let reply = try await client.change(field, value: try JSONWriter().string(value), base: version, rid: rid)
        guard reply.string("type") == "ack" else { throw TimedOut(description: "\(client.name) change answered \(reply)") }
        state.withLock { $0.acked[reply.int("version")] = value }
    }

    func waitForVersion(_ version: Int, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("\(client.name) to see v\(version) (saw \(versionsSeen))", timeout: timeout) {
            self.version >= version
        }
    }
}
