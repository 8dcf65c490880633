import AnalystCore
import Hummingbird

/// Redeeming a password setup link, with one set of rules for the API (`POST /auth/password/setup`) and the
/// browser form (`POST /setup-password`).
struct PasswordSetup: Sendable {
    let users: UserRepository
    let links: SignInLinks
    let passwords: PasswordHasher

    /// The one answer for an unknown email and a bad or used token, so the endpoint reveals no accounts.
    static let invalidLink = APIError(.badRequest, "Invalid or expired setup token")

    /// Sets `password` for the user the link belongs to and returns that user. The password rule is checked before
    /// the link is used up, so a too-short password does not burn it (`PasswordError.tooShort`).
    func complete(email: String, token: String, password: String) async throws -> User {
        guard password.count >= PasswordHasher.minimumLength else {
            throw PasswordError.tooShort(minimum: PasswordHasher.minimumLength)
        }
        guard let user = try await users.find(email: email),
            try await links.redeem(secret: token, purpose: .setup, userID: user.id) != nil
        else { throw PasswordSetup.invalidLink }
        try await users.setPassword(id: user.id, hash: try await passwords.hashNewPassword(password))
        return user
    }
}
