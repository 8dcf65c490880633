import DuckDB
import Foundation
import Logging

/// `state/system.duckdb`, migrated to the current schema, behind a small connection pool.
///
/// The server is the only process that opens this file (DuckDB allows one writer process per file).
public final class SystemDatabase: Sendable {
    public let pool: ConnectionPool
    public let path: String
    /// Recent token checks; emptied by every identity change made through the repositories.
    public let identityCache = IdentityCache()
    /// Corporate-memory rules by audience; emptied by every write through `KnowledgeStore`.
    public let rulesCache = KnowledgeRulesCache()

    /// Opens (creating if needed) and migrates the database. Throws `StorageError` with a message that says
    /// what to do when the file is locked, unreadable, or newer than this build.
    public init(
        path: String, migrations: [Migration] = SystemSchema.migrations, poolSize: Int = 4,
        configuration: Database.Configuration = .init(), logger: Logger
    ) throws {
        let database: Database
        do {
            database = try Database(path: path, configuration: configuration)
        } catch let error as DuckDBError {
            throw StorageError.cannotOpenDatabase(path: path, reason: error.message)
        }
        let connection = try database.connect()
        try SchemaMigrator(migrations: migrations).migrate(connection, path: path, logger: logger)
        self.path = path
        self.pool = ConnectionPool(database: database, size: poolSize, name: "system-db")
    }

    /// Runs `body` on a pooled connection (off the cooperative thread pool).
    @discardableResult
    public func withConnection<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await pool.withConnection(timeout: timeout, body)
    }

    /// Lets running work finish (interrupting it after `gracePeriod`) and closes the connections.
    public func close(gracePeriod: Duration = .seconds(10)) async {
        await pool.shutdown(gracePeriod: gracePeriod)
    }
}

extension SystemDatabase {
    /// Whether DuckDB refused a write because another transaction changed the same row first: an update conflict, or
    /// two inserts of one key meeting.
    static func isConcurrentWrite(_ error: DuckDBError) -> Bool {
        let message = error.message
        return message.localizedCaseInsensitiveContains("conflict") || message.localizedCaseInsensitiveContains("duplicate key")
    }

    /// Runs `body`, running it again (up to 8 times, after a short, growing, jittered pause) while DuckDB refuses it as
    /// a concurrent write: the retry sees what the other transaction committed (an upsert's retry updates the row the
    /// other inserted; a genuine duplicate fails again and is thrown). Blocking: on a pool thread, never the
    /// cooperative pool.
    static func retryingConflicts<T>(_ body: () throws -> T) throws -> T {
        for attempt in 0..<8 {
            do {
                return try body()
            } catch let error as DuckDBError where isConcurrentWrite(error) {
                usleep(useconds_t.random(in: 500...2_000) << attempt)
                continue
            }
        }
        return try body()
    }
}
