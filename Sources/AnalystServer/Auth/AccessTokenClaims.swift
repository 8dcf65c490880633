import JWTKit

/// The claims of an access token: `sub, email, role, iat, exp, jti` (HS256), plus `gen`, the user's token
/// generation when it was issued (a password change or deletion bumps it, invalidating older tokens).
///
/// `role` is informational for clients; the server always reads the role from the database.
struct AccessTokenClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var email: String
    var role: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim
    var gen: Int

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
