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

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
