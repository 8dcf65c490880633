import DuckDB
import Foundation
import Logging
import Synchronization

/// `analytics/server.duckdb` opened read-only behind the query connection pool, in epochs.
///
/// Each epoch is one open of the file with every source extract attached read-only (so the views resolve),
/// file access limited to `extracts/`, external access off and the configuration locked. `reload()` opens a new
/// epoch on the rebuilt file and swaps it in: new queries use it, queries already running finish on the old
/// one, which closes when they are done. No query fails because of a swap.
public final class AnalyticsDatabase: Sendable {
    public let path: String
    let poolSize: Int
    let configuration: Database.Configuration
    let attacher: ExtractAttacher
    let logger: Logger
    /// How long a replaced epoch's running queries may take before they are interrupted.
    let drainPeriod: Duration
    private let current: Mutex<Epoch>
    private let epochCounter = Atomic<Int>(1)

    /// One open of the file and its connections.
    final class Epoch: Sendable {
        let number: Int
        let pool: ConnectionPool

        init(number: Int, pool: ConnectionPool) {
            self.number = number
            self.pool = pool
        }
    }

    public init(
        path: String, poolSize: Int, configuration: Database.Configuration = .init(), attacher: ExtractAttacher,
        drainPeriod: Duration = .seconds(330), logger: Logger
    ) throws {
        if !FileManager.default.fileExists(atPath: path) {
            do {
                _ = try Database(path: path).connect()
            } catch let error as DuckDBError {
                throw StorageError.cannotOpenDatabase(path: path, reason: error.message)
            }
            logger.info("created empty analytics database", metadata: ["path": "\(path)"])
        }
        self.path = path
        self.poolSize = poolSize
        self.configuration = configuration
        self.attacher = attacher
        self.drainPeriod = drainPeriod
        self.logger = logger
        self.current = Mutex(
            try AnalyticsDatabase.openEpoch(
                number: 1, path: path, poolSize: poolSize, configuration: configuration, attacher: attacher, logger: logger))
    }

    /// The connection pool of the current epoch.
    public var pool: ConnectionPool { current.withLock { $0.pool } }

    /// The current epoch's number (1 at start, +1 per reload).
    public var epoch: Int { current.withLock { $0.number } }

    /// Runs `body` on a connection of the current epoch. A call that lands on an epoch being replaced is retried on
    /// the new one.
    public func withConnection<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        let epoch = current.withLock { $0 }
        do {
            return try await epoch.pool.withConnection(timeout: timeout, body)
        } catch DuckDBError.poolShutDown {
            let replacement = current.withLock { $0 }
            guard replacement !== epoch else { throw DuckDBError.poolShutDown }
            return try await replacement.pool.withConnection(timeout: timeout, body)
        }
    }

    /// Opens the rebuilt file as a new epoch and swaps it in; the old epoch drains in the background.
    public func reload() async throws {
        let number = epochCounter.add(1, ordering: .relaxed).newValue
        let path = self.path, poolSize = self.poolSize, configuration = self.configuration, attacher = self.attacher
        let logger = self.logger
        let opened = try await BlockingExecutor(name: "analytics-open").run {
            try AnalyticsDatabase.openEpoch(
                number: number, path: path, poolSize: poolSize, configuration: configuration, attacher: attacher, logger: logger)
        }
        let old = current.withLock { epoch in
            defer { epoch = opened }
            return epoch
        }
        logger.info("analytics database reloaded", metadata: ["epoch": "\(number)"])
        let drainPeriod = self.drainPeriod
        Task.detached { await old.pool.shutdown(gracePeriod: drainPeriod) }
    }

    /// Lets running queries finish (interrupting them after `gracePeriod`) and closes the connections.
    public func close(gracePeriod: Duration = .seconds(10)) async {
        await current.withLock { $0 }.pool.shutdown(gracePeriod: gracePeriod)
    }

    private static func openEpoch(
        number: Int, path: String, poolSize: Int, configuration: Database.Configuration, attacher: ExtractAttacher,
        logger: Logger
    ) throws -> Epoch {
        var readOnly = configuration
        readOnly.accessMode = .readOnly
        let database: Database
        do {
            database = try Database(path: path, configuration: readOnly)
            let setup = try database.connect()
            for candidate in attacher.candidates() {
                guard case .source(let source) = candidate else { continue }
                do {
                    _ = try attacher.attach(source, to: setup)
                } catch {
                    logger.warning(
                        "a source could not be attached for queries", metadata: ["source": "\(source.name)", "error": "\(error)"])
                }
            }
            // Only the extracts may be read, nothing can be reconfigured by a query afterwards.
            let extracts = attacher.extracts.path.hasSuffix("/") ? attacher.extracts.path : attacher.extracts.path + "/"
            // An epoch's parquet files never change under it (a rebuild opens a new epoch), so their footers
            // are read once, not on every query.
            try setup.execute("SET parquet_metadata_cache = true")
            try setup.execute("SET allowed_directories = [\(Identifier.literal(extracts))]")
            try setup.execute("SET enable_external_access = false")
            try setup.execute("SET lock_configuration = true")
        } catch let error as DuckDBError {
            throw StorageError.cannotOpenDatabase(path: path, reason: error.message)
        }
        return Epoch(number: number, pool: ConnectionPool(database: database, size: poolSize, name: "query-\(number)"))
    }
}
