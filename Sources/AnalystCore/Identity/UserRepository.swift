import DuckDB
import Foundation

/// Users in `system.duckdb`. Every method runs on the system database's own threads.
public struct UserRepository: Sendable {
    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    public func count() async throws -> Int {
        try await system.withConnection { connection in
            guard case .bigint(let count) = try connection.query("SELECT count(*) FROM users").scalar() else { return 0 }
            return Int(count)
        }
    }

    public func find(id: String) async throws -> User? {
        try await system.withConnection { try UserRepository.select($0, where: "id = ?", .varchar(id)) }
    }

    /// Looks a user up by email (normalised first).
    public func find(email: String) async throws -> User? {
        let email = User.normalizeEmail(email)
        return try await system.withConnection { try UserRepository.select($0, where: "email = ?", .varchar(email)) }
    }

    /// Creates a user; the email is normalised and must be unused.
    public func create(email: String, name: String?, role: Role, passwordHash: String?) async throws -> User {
        let user = try UserRepository.newUser(email: email, name: name, role: role, passwordHash: passwordHash)
        try await system.withConnection { connection in
            try UserRepository.insert(user, into: connection)
        }
        return user
    }

    /// Creates the first admin, atomically refusing when any user exists (two racing bootstraps: one wins).
    public func bootstrapAdmin(email: String, name: String?, passwordHash: String?) async throws -> User {
        let user = try UserRepository.newUser(email: email, name: name, role: .admin, passwordHash: passwordHash)
        try await system.withConnection { connection in
            do {
                try connection.transaction {
                    if case .bigint(let existing) = try connection.query("SELECT count(*) FROM users").scalar(), existing > 0 {
                        throw IdentityError.bootstrapDisabled(existingUsers: Int(existing))
                    }
                    // The single-row marker makes two racing bootstraps conflict: exactly one commits.
                    try connection.run("INSERT INTO bootstrap_marker (id, user_id) VALUES (1, ?)", [.varchar(user.id)])
                    try UserRepository.insert(user, into: connection)
                }
            } catch let error as DuckDBError {
                guard case .statementFailed(_, let kind) = error, kind == .constraint || kind == .transaction else {
                    throw error
                }
                throw IdentityError.bootstrapDisabled(existingUsers: 1)
            }
        }
        return user
    }

    /// A user not yet stored: a fresh id, the email normalised and checked.
    static func newUser(email: String, name: String?, role: Role, passwordHash: String?) throws -> User {
        let email = User.normalizeEmail(email)
        guard User.isValidEmail(email) else { throw IdentityError.invalidEmail(email) }
        return User(
            id: UUID().uuidString.lowercased(), email: email, name: name, role: role, passwordHash: passwordHash,
            createdAt: Date())
    }

    static func insert(_ user: User, into connection: Connection) throws {
        do {
            try connection.run(
                "INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .varchar(user.id), .varchar(user.email), user.name.map(Value.varchar) ?? .null,
                    .varchar(user.role.rawValue), user.passwordHash.map(Value.varchar) ?? .null,
                    .timestamp(TimestampValue(user.createdAt ?? Date())),
                ])
        } catch let error as DuckDBError where error.isConstraintViolation {
            throw IdentityError.emailTaken
        }
    }

    static func select(_ connection: Connection, where condition: String, _ parameter: Value) throws -> User? {
        try connection.query("SELECT \(columns) FROM users WHERE \(condition)", [parameter]).rows(limit: 1).first
            .flatMap(user(from:))
    }

    /// A `users` row (in `columns` order) as a `User`.
    static func user(from row: [Value]) -> User? {
        guard row.count == 6, case .varchar(let id) = row[0], case .varchar(let email) = row[1],
            case .varchar(let roleName) = row[3]
        else { return nil }
        // A role this build does not know (hand-edited data) is treated as the least privileged.
        let role = Role(rawValue: roleName) ?? .viewer
        var name: String?
        if case .varchar(let value) = row[2] { name = value }
        var hash: String?
        if case .varchar(let value) = row[4] { hash = value }
        var created: Date?
        if case .timestamp(let value) = row[5] { created = value.date }
        return User(id: id, email: email, name: name, role: role, passwordHash: hash, createdAt: created)
    }
}
