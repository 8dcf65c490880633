import DuckDB
import Foundation

/// Long-lived, revocable tokens for the CLI and services. Only a SHA-256 of each secret is stored; the secret
/// (`da_pat_…`) is shown once, at creation.
public struct PersonalAccessTokens: Sendable {
    /// Every secret starts with this, so the server knows it is not a JWT.
    public static let secretPrefix = "da_pat_"

    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    /// A token as listed (no secret).
    public struct Token: Sendable, Equatable {
        public var id: String
        public var userID: String
        public var name: String
        /// The first characters of the secret, to recognise it.
        public var prefix: String
        public var createdAt: Date
        public var expiresAt: Date?
    }

    /// Creates a token for `userID`; returns it and its secret (never stored, never shown again).
    public func create(userID: String, name: String, expiresInDays: Int?, now: Date = Date()) async throws -> (Token, String) {
        let secret = PersonalAccessTokens.newSecret()
        let token = Token(
            id: UUID().uuidString.lowercased(), userID: userID, name: name,
            prefix: String(secret.prefix(PersonalAccessTokens.secretPrefix.count + 6)), createdAt: now,
            expiresAt: expiresInDays.map { now.addingTimeInterval(Double($0) * 86_400) })
        let hash = Secrets.storedHash(of: secret)
        try await system.withConnection { connection in
            try connection.run(
                """
                INSERT INTO personal_access_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .varchar(token.id), .varchar(userID), .varchar(name), .varchar(hash), .varchar(token.prefix),
                    .timestamp(TimestampValue(now)), token.expiresAt.map { .timestamp(TimestampValue($0)) } ?? .null,
                ])
        }
        return (token, secret)
    }

    /// The user's tokens, newest first.
    public func list(userID: String) async throws -> [Token] {
        try await system.withConnection { connection in
            try connection.query(
                """
                SELECT id, user_id, name, prefix, created_at, expires_at FROM personal_access_tokens
                WHERE user_id = ? ORDER BY created_at DESC
                """, [.varchar(userID)]
            ).rows().compactMap(PersonalAccessTokens.token(from:))
        }
    }

    /// Deletes one of the user's tokens; `false` when the user has no such token.
    public func delete(id: String, userID: String) async throws -> Bool {
        defer { system.identityCache.invalidateAll() }
        return try await system.withConnection { connection in
            try connection.run(
                "DELETE FROM personal_access_tokens WHERE id = ? AND user_id = ?", [.varchar(id), .varchar(userID)]) == 1
        }
    }

    /// Deletes the token with this secret (logout with a personal access token).
    public func revoke(secret: String) async throws {
        let hash = Secrets.storedHash(of: secret)
        defer { system.identityCache.invalidateAll() }
        try await system.withConnection { connection in
            try connection.run("DELETE FROM personal_access_tokens WHERE token_hash = ?", [.varchar(hash)])
        }
    }

    /// The owner of an unexpired token with this secret, or `nil`.
    public func userID(forSecret secret: String, now: Date = Date()) async throws -> String? {
        let hash = Secrets.storedHash(of: secret)
        let cache = system.identityCache
        let key = "pat:\(hash)"
        if case .owner(let userID) = cache.lookup(key) { return userID }
        let epoch = cache.epoch
        let found = try await system.withConnection { connection -> (String, Date?)? in
            let row = try connection.query(
                """
                SELECT user_id, expires_at FROM personal_access_tokens
                WHERE token_hash = ? AND (expires_at IS NULL OR expires_at > ?)
                """, [.varchar(hash), .timestamp(TimestampValue(now))]
            ).rows().first
            guard let row, case .varchar(let userID) = row[0] else { return nil }
            if case .timestamp(let expires) = row[1] { return (userID, expires.date) }
            return (userID, nil)
        }
        guard let (userID, expires) = found else { return nil }
        cache.store(.owner(userID: userID), for: key, readAt: epoch, notAfter: expires)
        return userID
    }

    static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return secretPrefix + String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    static func token(from row: [Value]) -> Token? {
        guard row.count == 6, case .varchar(let id) = row[0], case .varchar(let userID) = row[1],
            case .varchar(let name) = row[2], case .varchar(let prefix) = row[3], case .timestamp(let created) = row[4]
        else { return nil }
        var expires: Date?
        if case .timestamp(let value) = row[5] { expires = value.date }
        return Token(id: id, userID: userID, name: name, prefix: prefix, createdAt: created.date, expiresAt: expires)
    }
}
