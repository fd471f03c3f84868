import TandemCore

/// One account in the users file: id, name, bcrypt hash and roles (Flask-AppBuilder's `ab_user` row, reduced).
public struct UserRecord: Codable, Sendable, Hashable {
    public var id: Int
    public var username: String
    /// A bcrypt hash (`$2b$…`); the password itself is never stored.
    public var passwordHash: String
    public var roles: [String]
    public var active: Bool
    /// Milliseconds since 1970 (wall clock) when the account was created.
    public var createdAtMillis: Int64

    public init(
        id: Int,
        username: String,
        passwordHash: String,
        roles: [String],
        active: Bool = true,
        createdAtMillis: Int64
    ) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.roles = roles
        self.active = active
        self.createdAtMillis = createdAtMillis
    }

    enum CodingKeys: String, CodingKey {
        case id, username, roles, active
        case passwordHash = "password_hash"
        case createdAtMillis = "created_at_ms"
    }

    /// The engine's view of this user.
    public var identity: UserIdentity { UserIdentity(id: id, username: username, roles: roles) }
}

/// Why a user could not be created or stored.
public struct UserRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
