import DuckDB
import Foundation

extension UserRepository {
    /// Every user, ordered by email.
    public func list() async throws -> [User] {
        try await system.withConnection { connection in
            try connection.query("SELECT \(UserRepository.columns) FROM users ORDER BY email").rows()
                .compactMap(UserRepository.user(from:))
        }
    }

    /// Changes a user's name and/or role. Demoting the last admin is refused.
    public func update(id: String, name: String?, role: Role?) async throws -> User {
        defer { system.identityCache.invalidateAll() }
        return try await UserRepository.withIdentityLock(system) { connection in
            guard let current = try UserRepository.select(connection, where: "id = ?", .varchar(id)) else {
                throw IdentityError.userNotFound
            }
            if let role, current.role == .admin, role != .admin, try UserRepository.adminCount(connection) <= 1 {
                throw IdentityError.lastAdmin
            }
            var updated = current
            if let name { updated.name = name }
            if let role { updated.role = role }
            try connection.run(
                "UPDATE users SET name = ?, role = ?, updated_at = current_timestamp WHERE id = ?",
                [updated.name.map(Value.varchar) ?? .null, .varchar(updated.role.rawValue), .varchar(id)])
            return updated
        }
    }

    /// Deletes a user and invalidates every token issued to them. Deleting the last admin is refused.
    public func delete(id: String) async throws {
        defer { system.identityCache.invalidateAll() }
        try await UserRepository.withIdentityLock(system) { connection in
            guard let current = try UserRepository.select(connection, where: "id = ?", .varchar(id)) else {
                throw IdentityError.userNotFound
            }
            if current.role == .admin, try UserRepository.adminCount(connection) <= 1 {
                throw IdentityError.lastAdmin
            }
            try connection.run("DELETE FROM users WHERE id = ?", [.varchar(id)])
            try connection.run("DELETE FROM personal_access_tokens WHERE user_id = ?", [.varchar(id)])
            try UserRepository.bumpGeneration(connection, userID: id)
        }
    }

    /// Sets a new password hash and invalidates the user's earlier tokens, personal access tokens included.
    public func setPassword(id: String, hash: String) async throws {
        defer { system.identityCache.invalidateAll() }
        try await system.withConnection { connection in
            try connection.transaction {
                let changed = try connection.run(
                    "UPDATE users SET password_hash = ?, updated_at = current_timestamp WHERE id = ?",
                    [.varchar(hash), .varchar(id)])
                guard changed == 1 else { throw IdentityError.userNotFound }
                try connection.run("DELETE FROM personal_access_tokens WHERE user_id = ?", [.varchar(id)])
                try UserRepository.bumpGeneration(connection, userID: id)
            }
        }
    }

    /// The user's current token generation: tokens carrying an older one are no longer accepted.
    public func tokenGeneration(userID: String) async throws -> Int {
        try await system.withConnection { try UserRepository.generation($0, userID: userID) }
    }

    /// Revokes one token (logout) until it would have expired anyway.
    public func revokeToken(jti: String, userID: String, expiresAt: Date) async throws {
        defer { system.identityCache.invalidateAll() }
        try await system.withConnection { connection in
            try connection.run(
                "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [.varchar(jti), .varchar(userID), .timestamp(TimestampValue(expiresAt))])
        }
    }

    /// The user behind a verified token, or why the token no longer counts. One round trip to the database.
    /// A valid result is kept briefly in the system database's `IdentityCache`.
    public func authenticate(userID: String, jti: String, generation: Int) async throws -> TokenCheck {
        let cache = system.identityCache
        let key = "jwt:\(userID):\(jti):\(generation)"
        if case .user(let user) = cache.lookup(key) { return .valid(user) }
        let epoch = cache.epoch
        let check = try await system.withConnection { connection -> TokenCheck in
            guard let user = try UserRepository.select(connection, where: "id = ?", .varchar(userID)) else {
                return .userNotFound
            }
            let revoked = try connection.query("SELECT count(*) FROM revoked_tokens WHERE jti = ?", [.varchar(jti)]).scalar()
            if case .bigint(let count) = revoked, count > 0 { return .revoked }
            if try UserRepository.generation(connection, userID: userID) != generation { return .revoked }
            return .valid(user)
        }
        if case .valid(let user) = check { cache.store(.user(user), for: key, readAt: epoch) }
        return check
    }

    /// What a token check found.
    public enum TokenCheck: Sendable, Equatable {
        case valid(User)
        case revoked
        case userNotFound
    }

    // MARK: - Helpers (run on a pool connection)

    static let columns = "id, email, name, role, password_hash, created_at"

    static func adminCount(_ connection: Connection) throws -> Int {
        guard case .bigint(let count) = try connection.query("SELECT count(*) FROM users WHERE role = 'admin'").scalar()
        else { return 0 }
        return Int(count)
    }

    static func generation(_ connection: Connection, userID: String) throws -> Int {
        guard
            case .bigint(let generation) = try connection.query(
                "SELECT generation FROM token_generations WHERE user_id = ?", [.varchar(userID)]
            ).scalar()
        else { return 0 }
        return Int(generation)
    }

    static func bumpGeneration(_ connection: Connection, userID: String) throws {
        try connection.run(
            """
            INSERT INTO token_generations (user_id, generation) VALUES (?, 1)
            ON CONFLICT (user_id) DO UPDATE SET generation = token_generations.generation + 1
            """, [.varchar(userID)])
    }

    /// Runs `body` in a transaction that first touches the single `identity_lock` row, so two concurrent
    /// role changes or deletions conflict instead of both passing the last-admin check; a conflict is retried.
    static func withIdentityLock<T: Sendable>(
        _ system: SystemDatabase, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await system.withConnection { connection in
                    try connection.transaction {
                        try connection.run("UPDATE identity_lock SET touched_at = current_timestamp WHERE id = 1")
                        return try body(connection)
                    }
                }
            } catch let error as DuckDBError {
                guard case .statementFailed(_, let kind) = error, kind == .transaction, attempt < 5 else { throw error }
                try await Task.sleep(for: .milliseconds(5 * attempt))
            }
        }
    }
}
