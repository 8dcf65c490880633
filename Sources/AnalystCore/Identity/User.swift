import Foundation

/// A person (or service) that can sign in. The role always comes from here, never from a token.
public struct User: Sendable, Equatable, Codable {
    public var id: String
    public var email: String
    public var name: String?
    public var role: Role
    /// argon2id PHC string; `nil` for users who sign in only by link or Google.
    public var passwordHash: String?
    public var createdAt: Date?

    public init(id: String, email: String, name: String?, role: Role, passwordHash: String?, createdAt: Date?) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }

    /// Trimmed and lower-cased, so `Ana@Example.com ` and `ana@example.com` are one user.
    public static func normalizeEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A plausible address: one `@` with text on both sides and no spaces.
    public static func isValidEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !email.contains(where: \.isWhitespace)
    }
}
