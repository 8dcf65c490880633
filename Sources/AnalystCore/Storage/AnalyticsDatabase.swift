import DuckDB
import Foundation
import Logging
import Synchronization

/// `analytics/server.duckdb` opened read-only behind the query connection pool, in epochs.
///
/// Each epoch is one open of the file with the source extracts its remote tables need attached read-only (so those
/// views resolve; the other views read parquet files), a replacement scan that makes the names of the local tables the
/// rebuild listed read their parquet files (no catalogue entry per table: ~5 KB of memory each),
/// file access limited to `extracts/`, external access off and the configuration locked. `reload()` opens a new
/// epoch on the rebuilt file and swaps it in: new queries use it, queries already running finish on the old
/// one, which closes when they are done. No query fails because of a swap. Replaced epochs are drained by
/// `drainReplacedEpochs()`, which the server's database service runs; `close()` waits for them.
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
    /// Epochs replaced by a reload whose queries may still run, until they are drained.
    private let replaced = Mutex<[Epoch]>([])
    private let drainQueue: AsyncStream<Epoch>
    private let drainInput: AsyncStream<Epoch>.Continuation

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
        (drainQueue, drainInput) = AsyncStream.makeStream(of: Epoch.self)
        self.current = Mutex(
            try AnalyticsDatabase.openEpoch(
                number: 1, path: path, poolSize: poolSize, configuration: configuration, attacher: attacher, logger: logger))
    }

    /// The connection pool of the current epoch.
    public var pool: ConnectionPool { current.withLock { $0.pool } }

    /// The current epoch's number (1 at start, +1 per reload).
    public var epoch: Int { current.withLock { $0.number } }

    /// `message` (a DuckDB error from a query) without the tokens and connection strings of the attached remote
    /// databases, which DuckDB may quote when one of them fails.
    public func redactSecrets(in message: String) -> String {
        attacher.redactSecrets(in: message)
    }

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

    /// Opens the rebuilt file as a new epoch and swaps it in; the old epoch is handed to `drainReplacedEpochs()`.
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
        replaced.withLock { $0.append(old) }
        drainInput.yield(old)
    }

    /// Drains every replaced epoch (its running queries finish, or are interrupted after the drain period; then its
    /// connections close), each in a child task, until `close()`; returns when the last drain is done.
    public func drainReplacedEpochs() async {
        let drainPeriod = self.drainPeriod
        await withDiscardingTaskGroup { group in
            for await epoch in drainQueue {
                group.addTask {
                    await epoch.pool.shutdown(gracePeriod: drainPeriod)
                    self.replaced.withLock { $0.removeAll { $0 === epoch } }
                }
            }
        }
    }

    /// Lets running queries finish (interrupting them after `gracePeriod`) and closes the connections, of the current
    /// epoch and of replaced ones nobody drained; ends `drainReplacedEpochs()`.
    public func close(gracePeriod: Duration = .seconds(10)) async {
        drainInput.finish()
        let epochs = [current.withLock { $0 }] + replaced.withLock { $0 }
        await withDiscardingTaskGroup { group in
            for epoch in epochs {
                group.addTask { await epoch.pool.shutdown(gracePeriod: gracePeriod) }
            }
        }
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
            // Only the sources whose remote tables the views select (a file from before this list existed: all).
            let needed = try? Set(
                setup.query("SELECT source FROM \(Orchestrator.attachedSourcesTable)").rows().compactMap { $0.first?.stringValue })
            for candidate in attacher.candidates() {
                guard case .source(let source) = candidate, needed?.contains(source.name) ?? true else { continue }
                do {
                    _ = try attacher.attach(source, to: setup)
                } catch {
                    logger.warning(
                        "a source could not be attached for queries", metadata: ["source": "\(source.name)", "error": "\(error)"])
                }
            }
            let files = try localFiles(on: setup)
            if !files.isEmpty {
                database.addReplacementScan { name in
                    files[SandboxRules.foldCase(name)].map { TableReplacement(function: "read_parquet", arguments: [.varchar($0)]) }
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

    /// The local tables read by name, by their names as DuckDB compares them, with their parquet files' paths
    /// (empty for a file written before the list existed: its views read the files).
    private static func localFiles(on connection: Connection) throws -> [String: String] {
        let exists = try connection.query(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name || '.' || table_name = ?",
            [.varchar(Orchestrator.localFilesTable)]
        ).scalar()
        guard exists == .bigint(1) else { return [:] }
        var files: [String: String] = [:]
        for row in try connection.query("SELECT name, path FROM \(Orchestrator.localFilesTable)").rows() {
            guard row.count == 2, let name = row[0].stringValue, let path = row[1].stringValue else { continue }
            files[SandboxRules.foldCase(name)] = path
        }
        return files
    }
}
