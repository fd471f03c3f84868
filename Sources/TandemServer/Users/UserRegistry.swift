import Foundation
import TandemRuntime

/// The accounts that may log in, kept in one JSON file (`./data/users.json` by default) and written atomically.
///
/// A write goes to a temporary file in the same folder and is renamed over the old one, so a crash leaves
/// either the old or the new file, never half of one. `tandem-server create-user`, `update-user` and `revoke`
/// write the same file; a running server rereads it whenever it changed (checked on every token check and by
/// the server's revocation watch), so a revocation from the command line takes effect at once.
public actor UserRegistry {
    public nonisolated let file: String
    private let hasher: PasswordHasher
    private let clock: any TandemClock
    private var users: [UserRecord] = []
    private var loadedStamp: FileStamp?
    /// Compared against when the username is unknown, so a miss costs as much as a wrong password.
    private var decoyHash: String?
    /// Draws refresh-token family ids (unique, not secret: they travel inside signed tokens).
    private var random: SplitMix64

    /// What a login attempt came to.
    public enum Authentication: Sendable {
        case authenticated(UserRecord)
        case refused
        /// Too many password checks are running or waiting; nothing was checked.
        case overloaded
    }

    /// What presenting a refresh token came to.
    public enum Rotation: Sendable, Equatable {
        /// The current token of its family: the family moves on to `generation`.
        case rotated(generation: Int)
        /// An older token of a live family: stolen and replayed. The family is revoked.
        case replayed
        /// No such family (revoked, expired, or from before a revocation).
        case unknown
    }

    public init(file: String, hasher: PasswordHasher, clock: any TandemClock, seed: UInt64 = 0) {
        self.file = file
        self.hasher = hasher
        self.clock = clock
        self.random = SplitMix64.derive(seed: seed, stream: 0x7573_6572)
    }

    /// Reads the file; a missing file is an empty registry.
    public func load() throws {
        guard FileManager.default.fileExists(atPath: file) else {
            users = []
            loadedStamp = nil
            return
        }
        let stamp = FileStamp(path: file)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        do {
            users = try JSONDecoder().decode([UserRecord].self, from: data)
        } catch {
            throw UserRegistryError("\(file) is not a valid users file: \(error)")
        }
        loadedStamp = stamp
    }

    public var all: [UserRecord] { users }

    public func user(id: Int) -> UserRecord? { users.first { $0.id == id } }

    public func user(named username: String) -> UserRecord? { users.first { $0.username == username } }

    /// The user with this id as the file holds it now (reread if another process changed it).
    public func current(id: Int) -> UserRecord? {
        _ = try? reloadIfChanged()
        return user(id: id)
    }

    /// Creates an account and saves the file.
    @discardableResult
    public func create(username: String, password: String, roles: [String]) async throws -> UserRecord {
        try Self.validate(username: username)
        try Self.validate(password: password)
        try Self.validate(roles: roles)
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

    /// Changes a user's password and/or roles; either change revokes every token the user holds.
    @discardableResult
    public func update(username: String, password: String?, roles: [String]?) async throws -> UserRecord {
        if let password { try Self.validate(password: password) }
        if let roles { try Self.validate(roles: roles) }
        var hash: String?
        if let password { hash = try await hasher.hash(password) }
        return try modify(username: username) { record in
            if let hash { record.passwordHash = hash }
            if let roles { record.roles = roles }
            Self.revokeTokens(&record)
        }
    }

    /// Revokes every access and refresh token of the user (`tandem-server revoke`).
    @discardableResult
    public func revoke(username: String) throws -> UserRecord {
        try modify(username: username) { Self.revokeTokens(&$0) }
    }

    private static func revokeTokens(_ record: inout UserRecord) {
        record.tokenVersion += 1
        record.refreshFamilies = [:]
    }

    /// Creates each seed user that does not exist yet, writing the users file once; returns the names created.
    /// (A live run seeds thousands of users: one write per user made a start take minutes.)
    public func ensure(_ seeds: [SeedUser]) async throws -> [String] {
        _ = try reloadIfChanged()
        var known = Set(users.map(\.username))
        var hashed: [(seed: SeedUser, hash: String)] = []
        for seed in seeds where !known.contains(seed.username) {
            try Self.validate(username: seed.username)
            try Self.validate(password: seed.password)
            try Self.validate(roles: seed.roles)
            hashed.append((seed, try await hasher.hash(seed.password)))
            known.insert(seed.username)
        }
        guard !hashed.isEmpty else { return [] }
        _ = try reloadIfChanged()  // another process may have added some of them meanwhile
        let existing = Set(users.map(\.username))
        var nextID = (users.map(\.id).max() ?? 0) + 1
        var created: [String] = []
        for (seed, hash) in hashed where !existing.contains(seed.username) {
            users.append(UserRecord(id: nextID, username: seed.username, passwordHash: hash, roles: seed.roles,
                                    createdAtMillis: clock.wallMillis()))
            nextID += 1
            created.append(seed.username)
        }
        try save()
        return created
    }

    /// The demo users, only into a users file that has no user yet; returns the names created.
    public func ensureDemo(_ seeds: [SeedUser]) async throws -> [String] {
        try reloadIfChanged()
        guard users.isEmpty else { return [] }
        return try await ensure(seeds)
    }

    /// The users that still have one of `seeds`' well-known passwords (the demo's admin/admin …).
    public func withKnownPasswords(_ seeds: [SeedUser]) async -> [String] {
        var found: [String] = []
        for seed in seeds {
            guard let record = user(named: seed.username), record.active else { continue }
            if (try? await hasher.verify(seed.password, hash: record.passwordHash)) == true {
                found.append(seed.username)
            }
        }
        return found
    }

    /// Checks a login; a miss and a wrong password cost the same bcrypt work.
    public func authenticate(username: String, password: String) async -> Authentication {
        if user(named: username) == nil { _ = try? reloadIfChanged() }
        do throws(WorkGate.Overloaded) {
            guard let record = user(named: username), record.active else {
                _ = try await hasher.verify(password, hash: await decoy())
                return .refused
            }
            return try await hasher.verify(password, hash: record.passwordHash) ? .authenticated(record) : .refused
        } catch {
            return .overloaded
        }
    }

    // MARK: Refresh-token families

    /// Opens a family for a new login; returns its id (the first token is generation 0).
    public func startFamily(userID: Int, expiresAtMillis: Int64) throws -> String {
        try reloadIfChanged()
        let family = String(format: "%016llx%016llx", random.next(), random.next())
        guard let index = users.firstIndex(where: { $0.id == userID }) else {
            throw UserRegistryError("no user with id \(userID)")
        }
        prune(&users[index])
        users[index].refreshFamilies[family] = RefreshFamily(generation: 0, expiresAtMillis: expiresAtMillis)
        try save()
        return family
    }

    /// Presents generation `generation` of `family`: the current one rotates, an older one revokes the family.
    public func rotate(userID: Int, family: String, generation: Int, expiresAtMillis: Int64) throws -> Rotation {
        try reloadIfChanged()
        guard let index = users.firstIndex(where: { $0.id == userID }),
            let current = users[index].refreshFamilies[family], current.expiresAtMillis > clock.wallMillis()
        else { return .unknown }
        guard generation == current.generation else {
            users[index].refreshFamilies[family] = nil
            try save()
            return .replayed
        }
        users[index].refreshFamilies[family] = RefreshFamily(
            generation: generation + 1,
            expiresAtMillis: expiresAtMillis
        )
        try save()
        return .rotated(generation: generation + 1)
    }

    /// Forgets expired families, and the oldest beyond 50 (a user's concurrent logins).
    private func prune(_ record: inout UserRecord) {
        let now = clock.wallMillis()
        record.refreshFamilies = record.refreshFamilies.filter { $0.value.expiresAtMillis > now }
        let familiesMax = 50
        if record.refreshFamilies.count >= familiesMax {
            let oldest = record.refreshFamilies.sorted { $0.value.expiresAtMillis < $1.value.expiresAtMillis }
            for (family, _) in oldest.prefix(record.refreshFamilies.count - familiesMax + 1) {
                record.refreshFamilies[family] = nil
            }
        }
    }

    // MARK: Revocation watch

    /// What makes a user's tokens valid, as the file holds it now (reread if it changed).
    public struct TokenState: Sendable, Equatable {
        public var username: String
        public var version: Int
        public var active: Bool
    }

    public func tokenStates() throws -> [Int: TokenState] {
        try reloadIfChanged()
        return Dictionary(
            uniqueKeysWithValues: users.map { ($0.id, TokenState(username: $0.username, version: $0.tokenVersion,
                                                                  active: $0.active)) }
        )
    }

    // MARK: Private

    private func modify(username: String, _ change: (inout UserRecord) -> Void) throws -> UserRecord {
        try reloadIfChanged()
        guard let index = users.firstIndex(where: { $0.username == username }) else {
            throw UserRegistryError("no user '\(username)' in \(file)")
        }
        change(&users[index])
        try save()
        return users[index]
    }

    private func decoy() async -> String {
        if let decoyHash { return decoyHash }
        let hash = (try? await hasher.hash("decoy-password-never-matches")) ?? ""
        decoyHash = hash
        return hash
    }

    static func validate(username: String) throws {
        guard !username.isEmpty, username.count <= 64,
            username.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.@".contains($0) })
        else {
            throw UserRegistryError("a username is 1…64 letters, digits, '-', '_', '.' or '@'")
        }
    }

    static func validate(password: String) throws {
        guard password.utf8.count >= 1, password.utf8.count <= 72 else {
            throw UserRegistryError("a password is 1…72 bytes (bcrypt reads no further)")
        }
    }

    static func validate(roles: [String]) throws {
        guard !roles.isEmpty else { throw UserRegistryError("a user needs at least one role") }
    }

    /// Rereads the file when another process replaced or changed it; true when it did.
    @discardableResult
    private func reloadIfChanged() throws -> Bool {
        guard FileStamp(path: file) != loadedStamp else { return false }
        try load()
        return true
    }

    private func save() throws {
        let url = URL(fileURLWithPath: file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(users).write(to: url, options: .atomic)
        loadedStamp = FileStamp(path: file)
    }
}

/// What tells one version of the users file from another without reading it: inode (an atomic write is a
/// new file), size and modification time to the nanosecond.
struct FileStamp: Equatable {
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
