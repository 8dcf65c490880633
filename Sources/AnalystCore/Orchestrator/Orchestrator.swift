import AnalystAPI
import Crypto
import DuckDB
import Foundation
import Logging

/// What one rebuild did.
public struct RebuildReport: Sendable, Equatable {
    /// Tables published, by source.
    public var published: [String: [String]] = [:]
    /// Sources skipped as a whole, with the reason (a corrupt extract, a remote database that cannot be reached…).
    public var sourceErrors: [String: String] = [:]
    /// Tables not published, with the reason (two sources publishing one name, a view that does not bind…).
    public var tableErrors: [String: String] = [:]
    /// Tables whose parquet file changed since the last rebuild (their profiles are stale).
    public var changedTables: [String] = []
    public var elapsed: Duration = .zero

    public var tableCount: Int { published.values.reduce(0) { $0 + $1.count } }
}

/// Builds `analytics/server.duckdb` from every source's extract: attaches each `extract.duckdb` read-only,
/// checks that every published table binds, writes in a temporary file a view per remote or partitioned table and
/// the list of the other local tables' parquet files (read by name through a replacement scan), renames it over the
/// old one, then records
/// `sync_state` (rows, columns, size, SHA-256 of the parquet file — computed only when size or mtime changed).
///
/// A failing source is skipped and reported; the others still publish. Two sources publishing one table name is
/// an error for both, never a silent last-wins. Rebuilds run one at a time on the orchestrator's own thread.
public final class Orchestrator: Sendable {
    public let directory: DataDirectory
    public let attacher: ExtractAttacher
    let store: SyncStateStore
    let extensionDirectory: String?
    let logger: Logger
    private let executor = BlockingExecutor(name: "orchestrator")

    public init(
        directory: DataDirectory, system: SystemDatabase, attacher: ExtractAttacher, extensionDirectory: String?, logger: Logger
    ) {
        self.directory = directory
        self.store = SyncStateStore(system: system)
        self.attacher = attacher
        self.extensionDirectory = extensionDirectory
        self.logger = logger
    }

    /// Rebuilds the analytics database from every source and records what is published.
    public func rebuild() async throws -> RebuildReport {
        let started = ContinuousClock.now
        let previous = Dictionary(uniqueKeysWithValues: try await store.all().map { ($0.id, $0) })
        var (report, published) = try await executor.run { try self.build(previous: previous) }
        report.elapsed = started.duration(to: .now)
        let milliseconds = report.elapsed.wholeMilliseconds
        var failed = report.tableErrors
        for (source, message) in report.sourceErrors {
            for table in previous.values where table.source == source && failed[table.id] == nil {
                failed[table.id] = "source \(source) failed: \(message)"
            }
        }
        try await store.record(published: published, failed: failed)
        logger.info(
            "rebuilt the analytics database",
            metadata: [
                "tables": "\(report.tableCount)", "source_errors": "\(report.sourceErrors.count)",
                "table_errors": "\(report.tableErrors.count)", "changed": "\(report.changedTables.count)",
                "ms": "\(milliseconds)",
            ])
        return report
    }

    /// The blocking part: builds the temporary file, renames it, hashes changed files.
    private func build(previous: [String: PublishedTable]) throws -> (RebuildReport, [PublishedTable]) {
        var report = RebuildReport()
        let target = directory.analyticsDatabase
        let temporary = URL(fileURLWithPath: target.path + ".tmp")
        for leftover in [temporary.path, temporary.path + ".wal"] {
            try? FileManager.default.removeItem(atPath: leftover)
        }
        var published: [PublishedTable] = []
        do {
            let database = try Database(
                path: temporary.path, configuration: .init(threads: 2, extensionDirectory: extensionDirectory))
            let connection = try database.connect()
            // Which source offers which table, for every source that attaches.
            var offers: [String: [(source: ExtractSource, table: ExtractTable)]] = [:]
            for candidate in attacher.candidates() {
                switch candidate {
                case .skipped(let name, let reason):
                    logger.warning("skipping an extract folder", metadata: ["source": "\(name)", "reason": "\(reason)"])
                    report.sourceErrors[name] = reason
                case .source(let source):
                    do {
                        let attached = try attacher.attach(source, to: connection)
                        for failure in attached.remoteFailures {
                            logger.error(
                                "a remote database could not be attached", metadata: ["source": "\(source.name)", "error": "\(failure)"])
                        }
                        for table in attached.tables {
                            if table.queryMode == .remote, let failure = attached.remoteFailures.first {
                                report.tableErrors[table.name] = "its remote database could not be attached: \(failure)"
                                continue
                            }
                            guard Identifier.isValid(table.name) else {
                                logger.warning(
                                    "skipping a table with an invalid name",
                                    metadata: ["source": "\(source.name)", "table": "\(table.name)"])
                                continue
                            }
                            offers[table.name, default: []].append((source, table))
                        }
                    } catch {
                        logger.error("source failed", metadata: ["source": "\(source.name)", "error": "\(error)"])
                        report.sourceErrors[source.name] = Orchestrator.message(error)
                    }
                }
            }
            let now = Date()
            // The tables offered by exactly one source, with where their rows are (looked up once for view and hashes)
            // and the file queries read by name (nil: the table keeps a view).
            let systemNames = try Orchestrator.systemViewNames(on: connection)
            var chosen: [(name: String, source: ExtractSource, table: ExtractTable, local: LocalTableData, byName: URL?)] = []
            for (name, sources) in offers.sorted(by: { $0.key < $1.key }) {
                guard sources.count == 1, let (source, table) = sources.first else {
                    let names = sources.map(\.source.name).joined(separator: ", ")
                    report.tableErrors[name] = "table \(name) is published by several sources (\(names)); rename it in all but one"
                    continue
                }
                let local = source.localData(for: name)
                chosen.append((name, source, table, local, Orchestrator.fileReadByName(name, table, local, systemNames: systemNames)))
            }
            let failures = Orchestrator.createViews(
                chosen.map {
                    ($0.name, Orchestrator.viewStatement($0.name, $0.table, of: $0.source, local: $0.local, readByName: $0.byName != nil))
                }, on: connection)
            report.tableErrors.merge(failures) { first, _ in first }
            var localFiles: [(name: String, path: String)] = []
            for (name, source, table, local, byName) in chosen where failures[name] == nil {
                do {
                    var entry = PublishedTable(
                        id: name, source: source.name, queryMode: table.queryMode, description: table.description,
                        rows: table.rows, columns: [], fileSizeBytes: 0, hash: "", fileModifiedNanoseconds: nil,
                        lastSync: now)
                    if table.queryMode == .local {
                        let old = previous[name].flatMap { $0.source == source.name ? $0 : nil }
                        switch local {
                        case .file(let file):
                            if let identity = Orchestrator.fileIdentity(file.path) {
                                entry.fileSizeBytes = identity.size
                                entry.fileModifiedNanoseconds = identity.modified
                                if let old, old.partitions.isEmpty, old.fileSizeBytes == identity.size,
                                    old.fileModifiedNanoseconds == identity.modified, !old.hash.isEmpty
                                {
                                    entry.hash = old.hash
                                } else {
                                    entry.hash = try Orchestrator.sha256(ofFile: file.path)
                                }
                            }
                        case .partitions(let folder, let names):
                            entry.partitions = try Orchestrator.partitions(names, in: folder, previous: old?.partitions ?? [])
                            entry.fileSizeBytes = entry.partitions.reduce(0) { $0 + $1.sizeBytes }
                            entry.hash = PublishedPartition.combinedHash(entry.partitions)
                        }
                        if !entry.hash.isEmpty && entry.hash != old?.hash { report.changedTables.append(name) }
                    }
                    published.append(entry)
                    report.published[source.name, default: []].append(name)
                    if let byName { localFiles.append((name, byName.path)) }
                } catch {
                    report.tableErrors[name] = Orchestrator.message(error)
                }
            }
            // Every view's columns in one catalogue scan (one scan per view costs seconds for a thousand tables).
            var columns: [String: [ColumnInfo]] = [:]
            let rows = try connection.query(
                """
                SELECT table_name, column_name, data_type FROM duckdb_columns()
                WHERE database_name IN (current_database(), 'temp') ORDER BY table_name, column_index
                """
            ).rows()
            for row in rows {
                guard let table = row[0].stringValue, let column = row[1].stringValue, let type = row[2].stringValue else { continue }
                columns[table, default: []].append(ColumnInfo(name: column, type: type))
            }
            for index in published.indices {
                published[index].columns = columns[published[index].id] ?? []
            }
            try Orchestrator.recordInternalTables(
                attachedSources: Set(chosen.filter { $0.table.queryMode == .remote && failures[$0.name] == nil }.map(\.source.name)),
                localFiles: localFiles, on: connection)
            try connection.execute("CHECKPOINT")
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ExtractError("could not build \(temporary.path): \(Orchestrator.message(error))")
        }
        guard rename(temporary.path, target.path) == 0 else {
            throw ExtractError("could not move the rebuilt analytics database into place: \(String(cString: strerror(errno)))")
        }
        return (report, published)
    }

    /// Where the analytics database names the sources whose extracts its views read (remote tables select the
    /// extract's own view); local tables read their parquet files by path and need no attachment.
    static let attachedSourcesTable = "analyst_internal.attached_sources"

    /// Where the analytics database lists the local tables of one parquet file, by name, with their files' paths:
    /// queries read them through a replacement scan (`AnalyticsDatabase`), not a view. DuckDB keeps ~5 KB of
    /// catalogue per view for as long as an epoch is open — 50 MB at 10,000 tables.
    static let localFilesTable = "analyst_internal.local_files"

    /// Records which sources the query side must attach (`AnalyticsDatabase` attaches only those: an extract's
    /// catalogue costs ~5 KB of memory per table for as long as an epoch is open) and which files it reads by name.
    static func recordInternalTables(
        attachedSources: Set<String>, localFiles: [(name: String, path: String)], on connection: Connection
    ) throws {
        try connection.execute("CREATE SCHEMA analyst_internal")
        try connection.execute("CREATE TABLE \(attachedSourcesTable) (source VARCHAR NOT NULL)")
        try connection.execute("CREATE TABLE \(localFilesTable) (name VARCHAR NOT NULL, path VARCHAR NOT NULL)")
        if !attachedSources.isEmpty {
            try connection.run(
                "INSERT INTO \(attachedSourcesTable) SELECT unnest(?)", [.list(attachedSources.sorted().map(Value.varchar))])
        }
        if !localFiles.isEmpty {
            try connection.run(
                "INSERT INTO \(localFilesTable) SELECT unnest(?), unnest(?)",
                [.list(localFiles.map { .varchar($0.name) }), .list(localFiles.map { .varchar($0.path) })])
        }
    }

    /// Runs every `CREATE VIEW` in one transaction: one write-ahead-log sync instead of one per view (10,000 views
    /// spent ~40 s in `fsync`). When one fails, DuckDB aborts the transaction; it is rolled back and each view is then
    /// created on its own, so the error names its table and the others are published. Failures by table name.
    static func createViews(_ views: [(name: String, sql: String)], on connection: Connection) -> [String: String] {
        do {
            try connection.execute("BEGIN TRANSACTION")
            for view in views { try connection.execute(view.sql) }
            try connection.execute("COMMIT")
            return [:]
        } catch {
            try? connection.execute("ROLLBACK")
        }
        var failures: [String: String] = [:]
        for view in views {
            do {
                try connection.execute(view.sql)
            } catch {
                failures[view.name] = Orchestrator.message(error)
            }
        }
        return failures
    }

    /// The statement that publishes a table, run when the rebuild checks that it binds. A local table queries read by
    /// name (`fileReadByName`) gets a temporary view (its columns are read from it; it is not kept: queries read the
    /// file through `localFilesTable`); another local table a view over its file or partition files; a remote table a
    /// view of the extract's own view, which reads the attached remote database.
    static func viewStatement(
        _ name: String, _ table: ExtractTable, of source: ExtractSource, local: LocalTableData, readByName: Bool
    ) -> String {
        let quoted = Identifier.quoted(name)
        switch table.queryMode {
        case .local:
            let kind = readByName ? "TEMP VIEW" : "VIEW"
            return "CREATE \(kind) \(quoted) AS SELECT * FROM \(local.relation)"
        case .remote:
            return "CREATE VIEW \(quoted) AS SELECT * FROM \(Identifier.quoted(source.name)).\(Identifier.quoted(table.name))"
        }
    }

    /// The parquet file queries read a local table from by name (absolute, as the data directory is now, so a data
    /// directory moved or restored elsewhere serves its files after the rebuild every start runs); `nil` when the
    /// table keeps a view: a partitioned or remote table, or one named like a view of DuckDB's own catalogue
    /// (`systemNames`: `sqlite_master`, `pg_tables`…), which DuckDB would resolve before asking the replacement scan
    /// and which only a view in `main` hides.
    static func fileReadByName(_ name: String, _ table: ExtractTable, _ local: LocalTableData, systemNames: Set<String>) -> URL? {
        guard table.queryMode == .local, case .file(let file) = local, !systemNames.contains(SandboxRules.foldCase(name)) else {
            return nil
        }
        return file
    }

    /// The names of DuckDB's own views an unqualified name resolves to (the system catalogue's `main` and
    /// `pg_catalog`, on the search path after the database's own `main`), as DuckDB compares names.
    static func systemViewNames(on connection: Connection) throws -> Set<String> {
        let rows = try connection.query(
            "SELECT view_name FROM duckdb_views() WHERE database_name = 'system' AND schema_name IN ('main', 'pg_catalog')"
        ).rows()
        return Set(rows.compactMap { $0.first?.stringValue.map(SandboxRules.foldCase) })
    }

    /// The partition files `names` of a folder with their identities and hashes, hashing only the files whose size
    /// or modification time differs from `previous` (a partition a run did not touch keeps its hash).
    static func partitions(_ names: [String], in folder: URL, previous: [PublishedPartition]) throws -> [PublishedPartition] {
        let known = Dictionary(previous.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var partitions: [PublishedPartition] = []
        for name in names {
            let path = folder.appendingPathComponent(name + ".parquet").path
            guard let identity = fileIdentity(path) else { continue }
            var partition = PublishedPartition(
                name: name, sizeBytes: identity.size, hash: "", fileModifiedNanoseconds: identity.modified)
            if let old = known[name], old.sizeBytes == identity.size, old.fileModifiedNanoseconds == identity.modified,
                !old.hash.isEmpty
            {
                partition.hash = old.hash
            } else {
                partition.hash = try sha256(ofFile: path)
            }
            partitions.append(partition)
        }
        return partitions
    }

    static func message(_ error: any Error) -> String {
        (error as? DuckDBError)?.message ?? "\(error)"
    }

    /// Size and modification time (ns) of a regular file; `nil` when there is none.
    static func fileIdentity(_ path: String) -> (size: Int64, modified: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// SHA-256 hex of a file, read in 1 MiB blocks.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ExtractError("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
            hasher.update(data: block)
        }
        return Secrets.hex(hasher.finalize())
    }
}
