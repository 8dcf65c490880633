import AnalystCore
import Foundation
import JWTKit

/// Issues and verifies the server's access tokens (JWT, HS256, one secret).
///
/// Verification accepts only HS256 with our key: `alg: none`, other algorithms, bad signatures and expired
/// tokens all fail the same way.
struct TokenService: Sendable {
    let keys: JWTKeyCollection
    let lifetime: Duration

    init(secret: String, lifetime: Duration) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
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
