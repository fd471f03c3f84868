import TandemTestSupport
import Foundation
import TandemCore
import TandemEngine
import TandemStore
import Testing

/// The three event stores the shared conformance suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case sqlite
    case postgres

    static let durable: [StoreKind] = [.sqlite, .postgres]

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, empty store of this kind (a new temp file or a new database).
    func withStore(_ body: (any EventStore) async throws -> Void) async throws {
        switch self {
        case .inMemory: try await body(InMemoryEventStore())
        case .sqlite: try await TemporarySQLite.withStore { store, _ in try await body(store) }
        case .postgres: try await TestPostgres.withStore { store, _ in try await body(store) }
        }
    }

    /// Runs `body` with a fresh durable store of this kind; `inMemory` is a bug in the test.
    func withDurableStore(_ body: (any DurableEventStore) async throws -> Void) async throws {
        switch self {
        case .inMemory: Issue.record("the in-memory store is not durable")
        case .sqlite: try await TemporarySQLite.withStore { store, _ in try await body(store) }
        case .postgres: try await TestPostgres.withStore { store, _ in try await body(store) }
        }
    }
}

/// A temporary folder for SQLite files, removed after the test.
enum TemporarySQLite {
    static func withFolder<Result>(_ body: (URL) async throws -> Result) async throws -> Result {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-store-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(folder)
    }

    static func withStore<Result>(_ body: (SQLiteEventStore, String) async throws -> Result) async throws -> Result {
        try await withFolder { folder in
            let path = folder.appendingPathComponent("tandem.sqlite").path
            let store = try await SQLiteEventStore(path: path)
            let result = try await body(store, path)
            await store.close()
            return result
        }
    }
}
