import TandemCore

/// One account in the users file: id, name, bcrypt hash and roles (Flask-AppBuilder's `ab_user` row, reduced),
/// plus what makes its tokens revocable: a token version and its live refresh-token families.
public struct UserRecord: Codable, Sendable, Hashable {
    public var id: Int
    public var username: String
    /// A bcrypt hash (`$2b$…`); the password itself is never stored.
    public var passwordHash: String
    public var roles: [String]
    public var active: Bool
    /// Milliseconds since 1970 (wall clock) when the account was created.
    public var createdAtMillis: Int64
    /// Every token carries the version it was issued under; raising it (a password or role change,
    /// `tandem-server revoke`) makes all of the user's earlier tokens invalid at once.
    public var tokenVersion: Int
    /// Refresh-token families (one per login) still alive, by family id.
    public var refreshFamilies: [String: RefreshFamily]

    public init(
        id: Int,
        username: String,
        passwordHash: String,
        roles: [String],
        active: Bool = true,
        createdAtMillis: Int64,
        tokenVersion: Int = 0,
        refreshFamilies: [String: RefreshFamily] = [:]
    ) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.roles = roles
        self.active = active
        self.createdAtMillis = createdAtMillis
        self.tokenVersion = tokenVersion
        self.refreshFamilies = refreshFamilies
    }

    enum CodingKeys: String, CodingKey {
        case id, username, roles, active
        case passwordHash = "password_hash"
        case createdAtMillis = "created_at_ms"
        case tokenVersion = "token_version"
        case refreshFamilies = "refresh_families"
    }

    /// Files written before token versions existed decode with version 0 and no families.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        username = try container.decode(String.self, forKey: .username)
        passwordHash = try container.decode(String.self, forKey: .passwordHash)
        roles = try container.decode([String].self, forKey: .roles)
        active = try container.decode(Bool.self, forKey: .active)
        createdAtMillis = try container.decode(Int64.self, forKey: .createdAtMillis)
        tokenVersion = try container.decodeIfPresent(Int.self, forKey: .tokenVersion) ?? 0
        refreshFamilies = try container.decodeIfPresent([String: RefreshFamily].self, forKey: .refreshFamilies) ?? [:]
    }

    /// The engine's view of this user.
    public var identity: UserIdentity { UserIdentity(id: id, username: username, roles: roles) }
}

/// The refresh tokens of one login: each use of the current one replaces it with the next generation; a use
/// of an older generation means the token was stolen and replayed, and revokes the whole family.
public struct RefreshFamily: Codable, Sendable, Hashable {
    /// The generation of the one refresh token of this family that may still be used.
    public var generation: Int
    /// When the newest refresh token expires (wall-clock milliseconds); the family is forgotten after.
    public var expiresAtMillis: Int64

    public init(generation: Int, expiresAtMillis: Int64) {
        self.generation = generation
        self.expiresAtMillis = expiresAtMillis
    }

    enum CodingKeys: String, CodingKey {
        case generation
        case expiresAtMillis = "expires_at_ms"
    }
}

/// Why a user could not be created or stored.
public struct UserRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
