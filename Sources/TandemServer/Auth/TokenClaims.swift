import Foundation
import JWTKit

/// The payload of Tandem's JWTs: who (`sub` = user id, `name`), what kind (`type`: access or refresh),
/// when it stops being valid (`exp`), issued by `iss`; the user's token version (`ver`) it was issued
/// under, and for a refresh token its family (`fam`) and generation (`gen`).
struct TokenClaims: JWTPayload {
    enum Kind: String, Codable, Sendable { case access, refresh }

    var sub: SubjectClaim
    var name: String
    var type: Kind
    var iss: IssuerClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    /// Absent in tokens from builds before revocation; read as 0.
    var ver: Int?
    var fam: String?
    var gen: Int?

    /// The signature is all jwt-kit checks: expiry is judged by `TokenService` against the server's own
    /// `TandemClock` (jwt-kit would read the system clock, which a simulated or test clock does not move).
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// Whether the token is still valid at `nowMillis` (Unix milliseconds).
    func isUnexpired(atMillis nowMillis: Int64) -> Bool {
        (try? exp.verifyNotExpired(currentDate: Date(timeIntervalSince1970: Double(nowMillis) / 1_000))) != nil
    }
}
