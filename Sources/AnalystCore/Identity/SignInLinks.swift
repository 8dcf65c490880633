import DuckDB
import Foundation

/// One-time links that let a user set a password (`setup`, 72 h) or sign in by email (`login`, 1 h).
/// Only a SHA-256 of each secret is stored; a link works once, before it expires.
public struct SignInLinks: Sendable {
    public enum Purpose: String, Sendable {
        case setup, login

        /// How long a new link of this kind stays valid.
        public var lifetime: TimeInterval {
            switch self {
            case .setup: 72 * 3600
            case .login: 3600
            }
        }
    }

    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    /// Creates a link secret for `userID`; returns it with its expiry.
    public func create(userID: String, purpose: Purpose, now: Date = Date()) async throws -> (secret: String, expiresAt: Date) {
        let secret = Data(Secrets.randomBytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let expiresAt = now.addingTimeInterval(purpose.lifetime)
        try await system.withConnection { connection in
            try connection.run(
                "INSERT INTO auth_links (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [
                    .varchar(Secrets.storedHash(of: secret)), .varchar(userID), .varchar(purpose.rawValue),
                    .timestamp(TimestampValue(now)), .timestamp(TimestampValue(expiresAt)),
                ])
        }
        return (secret, expiresAt)
    }

    /// Uses up a link: the user id when the secret is valid for `purpose`, unexpired and unused (and belongs to
    /// `userID` when given); `nil` otherwise. Two concurrent redemptions cannot both succeed.
    public func redeem(secret: String, purpose: Purpose, userID: String? = nil, now: Date = Date()) async throws -> String? {
        let hash = Secrets.storedHash(of: secret)
        return try await system.withConnection { connection in
            do {
                let owner = try connection.query(
                    """
                    UPDATE auth_links SET used_at = ?
                    WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
                      AND (? IS NULL OR user_id = ?)
                    RETURNING user_id
                    """,
                    [
                        .timestamp(TimestampValue(now)), .varchar(hash), .varchar(purpose.rawValue),
                        .timestamp(TimestampValue(now)), userID.map(Value.varchar) ?? .null,
                        userID.map(Value.varchar) ?? .null,
                    ]
                ).scalar()
                if case .varchar(let id) = owner { return id }
                return nil
            } catch let error as DuckDBError {
                // A concurrent redemption of the same link won: this one does not count.
                if case .statementFailed(_, .transaction) = error { return nil }
                throw error
            }
        }
    }

}
