import Foundation
import JWTKit
import TandemCore
import TandemRuntime

/// Issues and checks HS256 JWTs for logins, refreshes, WebSocket upgrades and REST calls.
///
/// A token names a user id; checking it also looks the user up, so a deleted or deactivated account is
/// refused even while its token has not expired. Roles come from the users file, not from the token.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    private let settings: AuthSettings
    private let users: UserRegistry
    private let clock: any TandemClock

    /// A pair returned by a login.
    public struct Pair: Sendable, Hashable {
        public var accessToken: String
        public var refreshToken: String
    }

    public init(settings: AuthSettings, secret: String, users: UserRegistry, clock: any TandemClock) async {
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.settings = settings
        self.users = users
        self.clock = clock
    }

    public func issue(for user: UserRecord) async throws -> Pair {
        Pair(accessToken: try await sign(user, kind: .access), refreshToken: try await sign(user, kind: .refresh))
    }

    public func issueAccess(for user: UserRecord) async throws -> String { try await sign(user, kind: .access) }

    /// The active user an access token names, or nil for a missing, forged, expired or refresh token.
    public func authenticate(accessToken token: String) async -> UserRecord? {
        await user(from: token, kind: .access)
    }

    /// The active user a refresh token names, or nil.
    public func authenticate(refreshToken token: String) async -> UserRecord? {
        await user(from: token, kind: .refresh)
    }

    private func user(from token: String, kind: TokenClaims.Kind) async -> UserRecord? {
        guard !token.isEmpty, token.utf8.count <= 8_192,
            let claims = try? await keys.verify(token, as: TokenClaims.self),
            claims.type == kind, claims.iss.value == settings.issuer,
            let id = Int(claims.sub.value), let record = await users.user(id: id), record.active
        else { return nil }
        return record
    }

    private func sign(_ user: UserRecord, kind: TokenClaims.Kind) async throws -> String {
        let now = Date(timeIntervalSince1970: Double(clock.wallMillis()) / 1_000)
        let lifetime = kind == .access ? settings.accessTokenLifetime : settings.refreshTokenLifetime
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        let claims = TokenClaims(
            sub: SubjectClaim(value: String(user.id)),
            name: user.username,
            type: kind,
            iss: IssuerClaim(value: settings.issuer),
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(seconds))
        )
        return try await keys.sign(claims)
    }
}
