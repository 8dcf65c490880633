import DuckDB
import Foundation
import Logging

/// Keeps `table_profiles` current: profiles every published local table whose parquet file changed since its
/// profile was made (and that the registry does not exclude with `profile_after_sync: false`), on its own thread
/// with its own in-memory DuckDB (one per pass, a new connection per table), so analysts' queries are not slowed
/// down.
public struct TableProfiles: Sendable {
    public let system: SystemDatabase
    public let directory: DataDirectory
    public let options: ProfilerOptions
    let logger: Logger
    private let executor = BlockingExecutor(name: "profiler")

    public init(system: SystemDatabase, directory: DataDirectory, options: ProfilerOptions, logger: Logger) {
        self.system = system
        self.directory = directory
        self.options = options
        self.logger = logger
    }

    /// What a profiling pass did.
    public struct Pass: Sendable, Equatable {
        /// Errors by table.
        public var errors: [String: String] = [:]
        /// Tables due for a profile that the pass did not try: outside `only`, or after it gave way.
        public var left = 0

        public init(errors: [String: String] = [:], left: Int = 0) {
            self.errors = errors
            self.left = left
        }
    }

    /// Profiles the tables whose stored profile is missing or older than their file — only those in `only` when it
    /// is given — one after another; before each table it stops if `giveWay` says so (another job waits), leaving
    /// the rest for a later pass.
    @discardableResult
    public func refresh(
        published: [PublishedTable], registry: [RegisteredTable], only: Set<String>? = nil,
        giveWay: @Sendable () -> Bool = { false }
    ) async throws -> Pass {
        let stored = try await storedHashes()
        let settings = Dictionary(uniqueKeysWithValues: registry.map { ($0.id, $0) })
        let allDue = published.filter { table in
            table.queryMode == .local && !table.hash.isEmpty && table.source != nil && stored[table.id] != table.hash
                && settings[table.id]?.profileAfterSync != false
        }
        let due = only.map { only in allDue.filter { only.contains($0.id) } } ?? allDue
        var pass = Pass(left: allDue.count - due.count)
        guard !due.isEmpty else { return pass }
        let metrics = MetricUsageIndex(docsDirectory: directory.docs.path)
        for problem in metrics.problems {
            logger.warning("a metric file could not be read", metadata: ["problem": "\(problem)"])
        }
        // Opening a DuckDB costs ~18 ms, more than profiling a small table: the pass opens one.
        let database = PassDatabase()
        for (index, table) in due.enumerated() {
            // A server stopping, or a job waiting, ends the pass here; a later pass profiles what is left.
            if Task.isCancelled || giveWay() {
                let reason = Task.isCancelled ? "the server is stopping" : "a sync job is waiting"
                logger.info("profiling stopped: \(reason)", metadata: ["left": "\(due.count - index)"])
                pass.left += due.count - index
                await close(database)
                return pass
            }
            guard let source = table.source else { continue }
            let registered = settings[table.id]
            let input = ProfileInput(
                tableID: table.id,
                relation: ExtractSource(name: source, in: directory.extracts).localData(for: table.id).relation,
                description: registered?.description ?? table.description,
                primaryKey: registered?.primaryKeyColumns ?? [], syncStrategy: registered?.syncStrategy.rawValue,
                lastSync: table.lastSync, fileSizeBytes: table.fileSizeBytes, usedByMetrics: metrics.metrics(using: table.id))
            let options = self.options
            do {
                let json = try await executor.run { () -> String in
                    do {
                        // A connection of its own: the profile's temporary tables go with it.
                        let connection = try database.opened().connect()
                        let profile = try Profiler.profile(input, options: options, on: connection)
                        return String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
                    } catch {
                        // Whatever the failure left behind, the next table starts on a new database.
                        database.database = nil
                        throw error
                    }
                }
                try await store(table.id, profile: json, sourceHash: table.hash)
            } catch is CancellationError {
                continue  // stopping: the check above ends the pass
            } catch {
                logger.error("profiling failed", metadata: ["table": "\(table.id)", "error": "\(error)"])
                pass.errors[table.id] = "profiling failed: \(error)"
            }
        }
        await close(database)
        logger.info(
            "profiled tables", metadata: ["count": "\(due.count - pass.errors.count)", "failed": "\(pass.errors.count)"])
        return pass
    }

    /// Closes the pass's database on the profiler's thread.
    private func close(_ pass: PassDatabase) async {
        _ = try? await executor.run { pass.database = nil }
    }

    private func storedHashes() async throws -> [String: String] {
        try await system.withConnection { connection in
            var hashes: [String: String] = [:]
            for row in try connection.query("SELECT table_id, source_hash FROM table_profiles").rows() {
                if let id = row[0].stringValue { hashes[id] = row[1].stringValue ?? "" }
            }
            return hashes
        }
    }

    private func store(_ id: String, profile: String, sourceHash: String) async throws {
        try await system.withConnection { connection in
            _ = try connection.run(
                "INSERT OR REPLACE INTO table_profiles (table_id, profile, profiled_at, source_hash) VALUES (?, ?, ?, ?)",
                [.varchar(id), .varchar(profile), .timestamp(TimestampValue(Date())), .varchar(sourceHash)])
        }
    }
}

/// The in-memory DuckDB of one profiling pass, opened at its first table. `@unchecked Sendable`: it is only touched
/// inside the profiler's `executor.run`, a serial executor (one closure at a time, each after the one before).
private final class PassDatabase: @unchecked Sendable {
    var database: Database?

    func opened() throws -> Database {
        if let database { return database }
        // Each file is read once in a pass: a cache of file blocks would only hold memory until the pass ends.
        let opened = try Database(configuration: .init(threads: 2, options: ["enable_external_file_cache": "false"]))
        database = opened
        return opened
    }
}
