import AnalystCore
import Crypto
import Foundation
import JWTKit

/// Issues and verifies the server's access tokens (JWT, HS256, one secret).
///
/// Verification accepts only HS256 with our key: `alg: none`, other algorithms, bad signatures and expired
/// tokens all fail the same way.
struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let lifetime: Duration
    /// Signs the pages' form tokens; derived from the secret, so it is never the token key itself.
    private let formKey: SymmetricKey

    init(secret: String, lifetime: Duration) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
        self.formKey = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Data("da-server form tokens".utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// The CSRF token of the pages' forms for one browser session (the session token's `jti`): without the
    /// server's secret nobody can make it, and it dies with the session.
    func formToken(session jti: String) -> String {
        Secrets.base64URL(HMAC<SHA256>.authenticationCode(for: Data(jti.utf8), using: formKey))
    }

    /// Whether `token` is the form token of session `jti` (compared in constant time).
    func isFormToken(_ token: String, session jti: String) -> Bool {
        let expected = Array(formToken(session: jti).utf8), given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A signed token for `user` (at token `generation`), valid for `lifetime` from `now`.
    func issue(for user: User, generation: Int, now: Date = Date()) async throws -> String {
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: user.id), email: user.email, role: user.role.rawValue,
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime.components.seconds))),
            jti: IDClaim(value: UUID().uuidString.lowercased()), gen: generation)
        return try await keys.sign(claims)
    }

    /// A token for `user` at the user's current token generation (what every sign-in hands out).
    func issue(for user: User, users: UserRepository) async throws -> String {
        try await issue(for: user, generation: try await users.tokenGeneration(userID: user.id))
    }

    /// The token's claims if it is ours, unexpired and intact; `nil` otherwise.
    func verify(_ token: String) async -> AccessTokenClaims? {
        try? await keys.verify(token, as: AccessTokenClaims.self)
    }
}
