import DuckDB
import Foundation
import Logging

/// `analytics/server.duckdb` opened read-only behind the query connection pool.
///
/// The orchestrator (data-plane issue) rebuilds the file and swaps it in; until then an empty database is
/// created on first start so the query side always has something to open.
public final class AnalyticsDatabase: Sendable {
    public let pool: ConnectionPool
    public let path: String

    public init(path: String, poolSize: Int, configuration: Database.Configuration = .init(), logger: Logger) throws {
        if !FileManager.default.fileExists(atPath: path) {
            do {
                _ = try Database(path: path).connect()
            } catch let error as DuckDBError {
                throw StorageError.cannotOpenDatabase(path: path, reason: error.message)
            }
            logger.info("created empty analytics database", metadata: ["path": "\(path)"])
        }
        var readOnly = configuration
        readOnly.accessMode = .readOnly
        do {
            let database = try Database(path: path, configuration: readOnly)
            self.pool = ConnectionPool(database: database, size: poolSize, name: "query")
        } catch let error as DuckDBError {
            throw StorageError.cannotOpenDatabase(path: path, reason: error.message)
        }
        self.path = path
    }

    /// Lets running queries finish (interrupting them after `gracePeriod`) and closes the connections.
    public func close(gracePeriod: Duration = .seconds(10)) async {
        await pool.shutdown(gracePeriod: gracePeriod)
    }
}
