import DuckDB
import Logging

/// Brings a database's schema up to date: applies each missing migration once, in order, each in its own
/// transaction, and records it in `schema_version`. Refuses a database whose schema is newer than it knows.
public struct SchemaMigrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        precondition(
            migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
            "migrations must be numbered 1, 2, 3, … without gaps")
        self.migrations = migrations
    }

    /// The schema version recorded in the database (0 for a new database).
    public func currentVersion(_ connection: Connection) throws -> Int {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER NOT NULL,
                name VARCHAR,
                applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )
            """)
        guard case .integer(let version) = try connection.query("SELECT max(version) FROM schema_version").scalar()
        else { return 0 }
        return Int(version)
    }

    /// Applies what is missing and returns the versions it applied. `path` names the database in errors.
    @discardableResult
    public func migrate(_ connection: Connection, path: String, logger: Logger) throws -> [Int] {
        let current = try currentVersion(connection)
        let known = migrations.last?.version ?? 0
        if current > known {
            throw StorageError.schemaTooNew(path: path, found: current, known: known)
        }
        var applied: [Int] = []
        for migration in migrations where migration.version > current {
            do {
                try connection.transaction {
                    try connection.execute(migration.sql)
                    try connection.run(
                        "INSERT INTO schema_version (version, name) VALUES (?, ?)",
                        [.integer(Int32(migration.version)), .varchar(migration.name)])
                }
            } catch {
                throw StorageError.migrationFailed(
                    version: migration.version, name: migration.name, reason: "\(error)")
            }
            logger.info(
                "applied schema migration",
                metadata: ["version": "\(migration.version)", "name": "\(migration.name)", "database": "\(path)"])
            applied.append(migration.version)
        }
        // Schema changes go into the database file at once, so a restart never has to replay them from the WAL.
        if !applied.isEmpty { try connection.execute("CHECKPOINT") }
        return applied
    }
}
