import Synchronization
import Testing
import TandemCore
import TandemEngine

/// The store with every change-log read it answered: the version it was asked to read after and how many changes it
/// returned.
final class CountingReadsStore: ForwardingStore {
    struct Read: Sendable, Equatable {
        var after: Int
        var count: Int
    }

    let inner = InMemoryEventStore()
    let reads = Mutex<[Read]>([])

    func changes(_ key: RecordKey, after version: Int, limit: Int) async throws -> ChangeLogSlice {
        let slice = await inner.changes(key, after: version, limit: limit)
        reads.withLock { $0.append(Read(after: version, count: slice.changes.count)) }
        return slice
    }

    /// The reads since the last call.
    func takeReads() -> [Read] { reads.withLock { reads in defer { reads.removeAll() }; return reads } }
}

/// The stages a node reported, counted by name.
final class CountingStages: NodeStageObserver {
    let counts = Mutex<[NodeStage: Int]>([:])
    func observe(_ stage: NodeStage, nanos: Int64) { counts.withLock { $0[stage, default: 0] += 1 } }
    func count(_ stage: NodeStage) -> Int { counts.withLock { $0[stage] ?? 0 } }
}

/// A client whose base is older than the node's memory window (it lags behind a busy record): the node reads the
/// versions its window lacks from the store once, keeps them, and serves every later change or resync based that far
/// back from memory, with the same result as reading the log for each (`historyReachCount`).
@Suite struct HistoryReachTests {
    static let key = RecordKey(model: "Contact", recordID: "1")

    /// Alice and Bob joined on a node with a window of two changes; Alice typed "abcdefghij" into `notes`, one
    /// character per version (versions 1–10), and the store's reads so far are forgotten.
    static func withTenVersions(
        reach: Int, stages: CountingStages? = nil,
        _ body: @escaping @Sendable (CollaborationNode, CountingReadsStore, TestClient, TestClient) async throws -> Void
    ) async throws {
        try await inSimulation { executor in
            let store = CountingReadsStore()
            var configuration = NodeConfiguration(nodeID: "node-1", models: .demo)
            configuration.limits.historyWindowCount = 2
            configuration.limits.historyReachCount = reach
            let node = CollaborationNode(
                configuration: configuration,
                environment: NodeEnvironment(clock: executor.clock, store: store, backplane: InMemoryBackplane(), seed: 5,
                                             stages: stages))
            try await node.start()
            let a = await TestClient.connect(Users.alice, to: node)
            let b = await TestClient.connect(Users.bob, to: node)
            await a.join()
            await b.join()
            for (version, character) in "abcdefghij".enumerated() {
                await a.changeText("notes", op: version == 0 ? [.string("\(character)")] : [.int(version), .string("\(character)")],
                                   base: version)
            }
            #expect(await store.inner.loadRecord(Self.key)?.version == 10)
            _ = store.takeReads()
            _ = a.drain()
            _ = b.drain()
            try await body(node, store, a, b)
            await node.shutdown()
        }
    }

    static func notes(_ store: CountingReadsStore) async -> JSONValue? {
        await store.inner.loadRecord(key)?.fields["notes"]
    }

    @Test func aChangeBasedBehindTheWindowReadsTheStoreOnceForWhatTheWindowLacks() async throws {
        try await Self.withTenVersions(reach: 100) { node, store, _, b in
            // Based on version 3 ("abc"): X before everything, transformed through versions 4–10.
            await b.changeText("notes", op: ["X", 3], base: 3)
            #expect(b.drain().acks.map(\.version) == [11])
            #expect(await Self.notes(store) == "Xabcdefghij")
            // The window held 9–10: the store was asked for 4–8 only.
            #expect(store.takeReads() == [.init(after: 3, count: 5)])
            // The grown window keeps its length while lagging clients use it (5–11 after version 11): a base of 4 is
            // served from memory.
            await b.changeText("notes", op: ["Y", 4], base: 4)
            #expect(b.drain().acks.map(\.version) == [12])
            #expect(await Self.notes(store) == "YXabcdefghij")
            #expect(store.takeReads() == [])
            #expect(await node.metrics.historyStoreReads == 1)
        }
    }

    /// The same changes with the window never grown (a reach of 0: every base older than the window read from the
    /// store, as before) give the same record, at the price of reading the log for each.
    @Test func aGrownWindowGivesWhatReadingTheLogForEachChangeGives() async throws {
        let results = Mutex<[Int: (JSONValue?, [CountingReadsStore.Read])]>([:])
        for reach in [0, 100] {
            try await Self.withTenVersions(reach: reach) { _, store, a, b in
                for base in [3, 4, 5, 6] {
                    await b.changeText("notes", op: [.string("B\(base)"), .int(base)], base: base)
                    await a.changeText("notes", op: [.int(base), .string("a\(base)")], base: base)
                }
                #expect(b.drain().acks.count == 4)
                #expect(a.drain().acks.count == 4)
                let notes = await Self.notes(store)
                let reads = store.takeReads()
                results.withLock { $0[reach] = (notes, reads) }
            }
        }
        let (byStore, storeReads) = try #require(results.withLock { $0[0] })
        let (byWindow, windowReads) = try #require(results.withLock { $0[100] })
        #expect(byWindow == byStore)
        #expect(storeReads.count == 8, "every change based older than the window reads the log: \(storeReads)")
        // Each read from the base (7 + 8 + … + 11 = 72 changes), against 5 once and then the one change by which
        // Alice's lag grew, each time it grew (9 in five reads).
        #expect(storeReads.map(\.count).reduce(0, +) == 72, "\(storeReads)")
        #expect(windowReads.map(\.count) == [5, 1, 1, 1, 1], "\(windowReads)")
        #expect(windowReads.first == .init(after: 3, count: 5))
    }

    @Test func aBaseFurtherBackThanTheReachIsReadFromTheStoreEachTime() async throws {
        try await Self.withTenVersions(reach: 5) { node, store, _, b in
            await b.changeText("notes", op: ["X", 3], base: 3)
            await b.changeText("notes", op: ["Y", 3], base: 3)
            #expect(b.drain().acks.map(\.version) == [11, 12])
            #expect(await Self.notes(store) == "YXabcdefghij")
            // Each read the whole log from the base: 4–10, then 4–11; the window was not grown.
            #expect(store.takeReads() == [.init(after: 3, count: 7), .init(after: 3, count: 8)])
            #expect(await node.metrics.historyStoreReads == 2)
        }
    }

    @Test func aGrownWindowShrinksBackOnceNoChangeNeedsIt() async throws {
        try await Self.withTenVersions(reach: 100) { _, store, a, b in
            await b.changeText("notes", op: ["X", 3], base: 3)
            #expect(store.takeReads() == [.init(after: 3, count: 5)])
            // Versions 11 and 12 keep the grown window's length (5–11, 6–12); from 13 on, with no base further back
            // than the usual two changes, it shrinks by one change more per commit: 8–13, 10–14, …, 16–17.
            for version in 11..<17 { await a.changeText("notes", op: [.int(version), "k"], base: version) }
            #expect(a.drain().acks.map(\.version) == [12, 13, 14, 15, 16, 17])
            await b.changeText("notes", op: ["Y", 15], base: 15)
            #expect(store.takeReads() == [], "a base one change before the window is read from memory")
            await b.changeText("notes", op: ["Z", 15], base: 15)
            #expect(store.takeReads() == [.init(after: 15, count: 1)], "version 18 left the window at 17–18")
        }
    }

    @Test func resyncsFromBehindTheWindowReadTheStoreOnce() async throws {
        try await Self.withTenVersions(reach: 100) { node, store, _, _ in
            for user in [Users.ada, Users.victor] {
                let client = await TestClient.connect(user, to: node)
                await client.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 2)))
                let messages = client.drain()
                #expect(messages.changes.map(\.version) == Array(3...10))
                #expect(messages.resyncs.map(\.recovered) == [true])
            }
            #expect(store.takeReads() == [.init(after: 2, count: 6)])
            #expect(await node.metrics.historyStoreReads == 1)
        }
    }

    /// Each read for a lagging base is timed as the `store_read` stage (`tandem_node_stage_seconds{stage="store_read"}`),
    /// within the reach and past it, for changes and resyncs; nothing else is.
    @Test func everyReadForALaggingBaseIsTimedAsAStoreRead() async throws {
        let stages = CountingStages()
        try await Self.withTenVersions(reach: 8, stages: stages) { node, store, _, b in
            #expect(stages.count(.storeRead) == 0, "ten changes on current bases read nothing")
            await b.changeText("notes", op: ["X", 3], base: 3)
            await b.changeText("notes", op: ["Y", 1], base: 1)
            let client = await TestClient.connect(Users.ada, to: node)
            await client.send(.resync(Resync(sessionID: "Contact:1", sinceVersion: 0)))
            #expect(client.drain().changes.map(\.version) == Array(1...12))
            // Base 3 grows the window (4–8); base 1, 11 behind, is past the reach of 8: read whole, as is the resync
            // from 0.
            #expect(store.takeReads() == [.init(after: 3, count: 5), .init(after: 1, count: 10), .init(after: 0, count: 12)])
            #expect(stages.count(.storeRead) == 3)
            #expect(await node.metrics.historyStoreReads == 3)
        }
    }
}
