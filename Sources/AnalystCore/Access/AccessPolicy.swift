import DuckDB

/// Who may read which table: the one rule every data endpoint uses.
///
/// In order: an admin may read everything; a table that is not registered is for admins only; an explicit
/// permission on the table decides (`read` yes, `none` no, and `none` beats everything below); a public table
/// may be read; a `read` grant on the table's bucket wildcard (`<bucket>.*`) allows it; otherwise no.
public struct AccessPolicy: Sendable {
    public let system: SystemDatabase

    public init(system: SystemDatabase) {
        self.system = system
    }

    /// Whether `user` may read `tableID`.
    public func canAccessTable(_ user: User, _ tableID: String) async throws -> Bool {
        if user.role == .admin { return true }
        return try await accessibleTables(for: user, among: [tableID])?.contains(tableID) ?? true
    }

    /// The registered tables `user` may read (`nil` for an admin: every table), optionally among `candidates`.
    public func accessibleTables(for user: User, among candidates: [String]? = nil) async throws -> Set<String>? {
        if user.role == .admin { return nil }
        let userID = user.id
        return try await system.withConnection { connection in
            var sql = """
                SELECT r.id FROM table_registry r
                LEFT JOIN dataset_permissions explicit ON explicit.user_id = ? AND explicit.dataset = r.id
                LEFT JOIN dataset_permissions wildcard
                    ON wildcard.user_id = ? AND r.bucket IS NOT NULL AND r.bucket <> ''
                    AND wildcard.dataset = r.bucket || '.*' AND wildcard.access = 'read'
                WHERE CASE
                    WHEN explicit.access IS NOT NULL THEN explicit.access = 'read'
                    ELSE r.is_public OR wildcard.access IS NOT NULL
                END
                """
            var parameters: [Value] = [.varchar(userID), .varchar(userID)]
            if let candidates {
                sql += " AND list_contains(?, r.id)"
                parameters.append(.list(candidates.map(Value.varchar)))
            }
            return Set(
                try connection.query(sql, parameters).rows().compactMap { row -> String? in
                    if case .varchar(let id) = row.first { return id }
                    return nil
                })
        }
    }
}
