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

    /// Profiles the tables whose stored profile is missing or older than their file; returns errors by table.
    @discardableResult
    public func refresh(published: [PublishedTable], registry: [RegisteredTable]) async throws -> [String: String] {
        let stored = try await storedHashes()
        let settings = Dictionary(uniqueKeysWithValues: registry.map { ($0.id, $0) })
        let due = published.filter { table in
            table.queryMode == .local && !table.hash.isEmpty && table.source != nil && stored[table.id] != table.hash
                && settings[table.id]?.profileAfterSync != false
        }
        guard !due.isEmpty else { return [:] }
        let metrics = MetricUsageIndex(docsDirectory: directory.docs.path)
        for problem in metrics.problems {
            logger.warning("a metric file could not be read", metadata: ["problem": "\(problem)"])
        }
        var errors: [String: String] = [:]
        // Opening a DuckDB costs ~18 ms, more than profiling a small table: the pass opens one.
        let pass = PassDatabase()
        for (index, table) in due.enumerated() {
            // A server stopping ends the pass here; the next start profiles what is left.
            if Task.isCancelled {
                logger.info("profiling stopped: the server is stopping", metadata: ["left": "\(due.count - index)"])
                await close(pass)
                return errors
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
                        let connection = try pass.opened().connect()
                        let profile = try Profiler.profile(input, options: options, on: connection)
                        return String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
                    } catch {
                        // Whatever the failure left behind, the next table starts on a new database.
                        pass.database = nil
                        throw error
                    }
                }
                try await store(table.id, profile: json, sourceHash: table.hash)
            } catch is CancellationError {
                continue  // stopping: the check above ends the pass
            } catch {
                logger.error("profiling failed", metadata: ["table": "\(table.id)", "error": "\(error)"])
                errors[table.id] = "profiling failed: \(error)"
            }
        }
        await close(pass)
        logger.info("profiled tables", metadata: ["count": "\(due.count - errors.count)", "failed": "\(errors.count)"])
        return errors
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
