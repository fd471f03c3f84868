import Foundation
import JWTKit
import TandemCore
import TandemRuntime

/// Issues and checks HS256 JWTs for logins, refreshes, WebSocket upgrades and REST calls.
///
/// A token names a user id and the user's token version; checking it looks the user up (rereading the users
/// file if another process changed it), so a deleted, deactivated or revoked account is refused even while
/// its token has not expired. Roles come from the users file, not from the token. Refresh tokens rotate:
/// each one is good for one refresh, which returns its successor; presenting an older one revokes its family.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    private let settings: AuthSettings
    private let users: UserRegistry
    private let clock: any TandemClock

    /// A pair returned by a login or a refresh.
    public struct Pair: Sendable, Hashable {
        public var accessToken: String
        public var refreshToken: String
    }

    /// What a refresh came to.
    public enum Refresh: Sendable {
        case rotated(UserRecord, Pair)
        /// An already used refresh token: its whole family is now revoked.
        case replayed(UserRecord)
        case refused
    }

    public init(settings: AuthSettings, secret: String, users: UserRegistry, clock: any TandemClock) async {
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.settings = settings
        self.users = users
        self.clock = clock
    }

    /// A new login: an access token and the first refresh token of a new family.
    public func issue(for user: UserRecord) async throws -> Pair {
        let family = try await users.startFamily(userID: user.id, expiresAtMillis: expiry(of: .refresh))
        return Pair(
            accessToken: try await sign(user, kind: .access),
            refreshToken: try await sign(user, kind: .refresh, family: family, generation: 0)
        )
    }

    public func issueAccess(for user: UserRecord) async throws -> String { try await sign(user, kind: .access) }

    /// The active user an access token names, or nil for a missing, forged, expired, revoked or refresh token.
    public func authenticate(accessToken token: String) async -> UserRecord? {
        await verified(token, kind: .access)?.user
    }

    /// Trades a refresh token for a new pair, once.
    public func refresh(_ token: String) async throws -> Refresh {
        guard let (claims, user) = await verified(token, kind: .refresh), let family = claims.fam,
            let generation = claims.gen
        else { return .refused }
        switch try await users.rotate(
            userID: user.id,
            family: family,
            generation: generation,
            expiresAtMillis: expiry(of: .refresh)
        ) {
        case .unknown: return .refused
        case .replayed: return .replayed(user)
        case .rotated(let next):
            return .rotated(
                user,
                Pair(
                    accessToken: try await sign(user, kind: .access),
                    refreshToken: try await sign(user, kind: .refresh, family: family, generation: next)
                )
            )
        }
    }

    private func verified(_ token: String, kind: TokenClaims.Kind) async -> (claims: TokenClaims, user: UserRecord)? {
        guard !token.isEmpty, token.utf8.count <= 8_192,
            let claims = try? await keys.verify(token, as: TokenClaims.self),
            claims.isUnexpired(atMillis: clock.wallMillis()),
            claims.type == kind, claims.iss.value == settings.issuer,
            let id = Int(claims.sub.value), let record = await users.current(id: id), record.active,
            (claims.ver ?? 0) == record.tokenVersion
        else { return nil }
        return (claims, record)
    }

    private func expiry(of kind: TokenClaims.Kind) -> Int64 {
        clock.wallMillis() + lifetime(of: kind).nanosecondsClamped / 1_000_000
    }

    private func lifetime(of kind: TokenClaims.Kind) -> Duration {
        kind == .access ? settings.accessTokenLifetime : settings.refreshTokenLifetime
    }

    private func sign(_ user: UserRecord, kind: TokenClaims.Kind, family: String? = nil, generation: Int? = nil)
        async throws -> String
    {
        let now = Date(timeIntervalSince1970: Double(clock.wallMillis()) / 1_000)
        let lifetime = lifetime(of: kind)
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        let claims = TokenClaims(
            sub: SubjectClaim(value: String(user.id)),
            name: user.username,
            type: kind,
            iss: IssuerClaim(value: settings.issuer),
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(seconds)),
            ver: user.tokenVersion,
            fam: family,
            gen: generation
        )
        return try await keys.sign(claims)
    }
}
