import Foundation
import TandemRuntime

/// The accounts that may log in, kept in one JSON file (`./data/users.json` by default) and written atomically.
///
/// A write goes to a temporary file in the same folder and is renamed over the old one, so a crash leaves
/// either the old or the new file, never half of one. `tandem-server create-user` writes the same file; a
/// running server rereads it when a login names a user it does not know.
public actor UserRegistry {
    public nonisolated let file: String
    private let hasher: PasswordHasher
    private let clock: any TandemClock
    private var users: [UserRecord] = []
    private var loadedModification: Date?
    /// Compared against when the username is unknown, so a miss costs as much as a wrong password.
    private var decoyHash: String?

    public init(file: String, hasher: PasswordHasher, clock: any TandemClock) {
        self.file = file
        self.hasher = hasher
        self.clock = clock
    }

    /// Reads the file; a missing file is an empty registry.
    public func load() throws {
        guard FileManager.default.fileExists(atPath: file) else {
            users = []
            return
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        do {
            users = try JSONDecoder().decode([UserRecord].self, from: data)
        } catch {
            throw UserRegistryError("\(file) is not a valid users file: \(error)")
        }
        loadedModification = modificationDate()
    }

    public var all: [UserRecord] { users }

    public func user(id: Int) -> UserRecord? { users.first { $0.id == id } }

    public func user(named username: String) -> UserRecord? { users.first { $0.username == username } }

    /// Creates an account and saves the file.
    @discardableResult
    public func create(username: String, password: String, roles: [String]) async throws -> UserRecord {
        try validate(username: username, password: password, roles: roles)
        try reloadIfChanged()
        guard user(named: username) == nil else { throw UserRegistryError("user '\(username)' already exists") }
        let hash = try await hasher.hash(password)
        try reloadIfChanged()
        guard user(named: username) == nil else { throw UserRegistryError("user '\(username)' already exists") }
        let record = UserRecord(
            id: (users.map(\.id).max() ?? 0) + 1,
            username: username,
            passwordHash: hash,
            roles: roles,
            createdAtMillis: clock.wallMillis()
        )
        users.append(record)
        try save()
        return record
    }

    /// Creates each seed user that does not exist yet; returns the names created.
    public func ensure(_ seeds: [SeedUser]) async throws -> [String] {
        var created: [String] = []
        for seed in seeds where user(named: seed.username) == nil {
            try await create(username: seed.username, password: seed.password, roles: seed.roles)
            created.append(seed.username)
        }
        return created
    }

    /// The active user with this name and password, or nil.
    public func authenticate(username: String, password: String) async -> UserRecord? {
        if user(named: username) == nil { try? reloadIfChanged() }
        guard let record = user(named: username), record.active else {
            _ = await hasher.verify(password, hash: await decoy())
            return nil
        }
        return await hasher.verify(password, hash: record.passwordHash) ? record : nil
    }

    private func decoy() async -> String {
        if let decoyHash { return decoyHash }
        let hash = (try? await hasher.hash("decoy-password-never-matches")) ?? ""
        decoyHash = hash
        return hash
    }

    private func validate(username: String, password: String, roles: [String]) throws {
        guard !username.isEmpty, username.count <= 64,
            username.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.@".contains($0) })
        else {
            throw UserRegistryError("a username is 1…64 letters, digits, '-', '_', '.' or '@'")
        }
        guard password.utf8.count >= 1, password.utf8.count <= 72 else {
            throw UserRegistryError("a password is 1…72 bytes (bcrypt reads no further)")
        }
        guard !roles.isEmpty else { throw UserRegistryError("a user needs at least one role") }
    }

    private func reloadIfChanged() throws {
        let modification = modificationDate()
        if modification != loadedModification { try load() }
    }

    private func modificationDate() -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date
    }

    private func save() throws {
        let url = URL(fileURLWithPath: file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(users).write(to: url, options: .atomic)
        loadedModification = modificationDate()
    }
}
