import JWTKit

/// The payload of Tandem's JWTs: who (`sub` = user id, `name`), what kind (`type`: access or refresh),
/// and when it stops being valid (`exp`), issued by `iss`.
struct TokenClaims: JWTPayload {
    enum Kind: String, Codable, Sendable { case access, refresh }

    var sub: SubjectClaim
    var name: String
    var type: Kind
    var iss: IssuerClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
