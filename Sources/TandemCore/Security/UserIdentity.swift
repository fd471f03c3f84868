/// An authenticated user as the engine sees it: id, name and the roles that decide what they may do.
public struct UserIdentity: Sendable, Hashable {
    public var id: Int
    public var username: String
    public var roles: [String]

    public init(id: Int, username: String, roles: [String]) {
        self.id = id
        self.username = username
        self.roles = roles
    }

    public var ref: UserRef { UserRef(id: id, username: username) }
}
