import AnalystCore
import DuckDB
import Foundation

/// The six Jira tables on disk, in the extract folder of source `jira`: `data/<prefix><table>` is a link to a version
/// folder of month shards (`2026-03.parquet`, `none.parquet` for issues without a creation date). Every row of an
/// issue — in all six tables — lives in the shard of the issue's creation month, so the issues table alone tells
/// where an issue's rows are.
///
/// `apply` merges a batch: for each affected issue its rows are replaced (or removed, for a deleted issue) in the
/// shards that held them and the shards they now belong to; only those shards are rewritten, the rest are hard
/// links to the same files. Each table's new version is published by renaming its link, so a reader sees a whole
/// old or a whole new shard set, never a half-written file. A shard that cannot be read fails the batch (its events
/// stay queued); it is never read as "no rows". Not thread-safe: one writer at a time (`JiraProcessor` ensures it).
public struct JiraShardStore: Sendable {
    public let source: ExtractSource
    /// Published table names are `<prefix><table>` (`jira_issues`, …).
    public let prefix: String

    public init(source: ExtractSource, prefix: String = "jira_") {
        self.source = source
        self.prefix = prefix
    }

    /// The store of the Jira source in `data`.
    public init(data: DataDirectory, prefix: String = "jira_") {
        self.init(source: ExtractSource(name: "jira", in: data.extracts), prefix: prefix)
    }

    public func name(of table: JiraTable) -> String { prefix + table.rawValue }

    /// What a batch changed.
    public struct Applied: Sendable, Equatable {
        /// Issues written and removed.
        public var upserted: Int
        public var deleted: Int
        /// Issues left as they were because the store holds a newer version (`updated_at`).
        public var keptNewer: [String]
        /// Shards rewritten.
        public var shards: [String]
    }

    /// Replaces the rows of every issue in `upserts` and removes every issue in `deletes` with all its rows. An
    /// upsert older than what is stored (by `updated_at`) is skipped, so duplicated or out-of-order deliveries
    /// cannot bring back an old version. Blocking.
    public func apply(upserts: [JiraIssueRows], deletes: Set<String>) throws -> Applied {
        let connection = try Database(configuration: .init(threads: 2)).connect()
        try connection.execute("SET preserve_insertion_order = false")
        // The last upsert of a key wins within a batch; a delete beats an upsert of the same key.
        var latest: [String: JiraIssueRows] = [:]
        for rows in upserts where !deletes.contains(rows.key) { latest[rows.key] = rows }
        let affected = Set(latest.keys).union(deletes)
        guard !affected.isEmpty else { return Applied(upserted: 0, deleted: 0, keptNewer: [], shards: []) }

        try connection.execute("CREATE TEMP TABLE affected (issue_key VARCHAR PRIMARY KEY)")
        try append(affected.sorted().map { [Value.varchar($0)] }, to: "affected", connection)
        // Where each affected issue is now, and how new it is.
        var stored: [String: (shard: String, updated: Value)] = [:]
        if let glob = glob(.issues) {
            let rows = try connection.query(
                """
                SELECT issue_key, regexp_extract(__file, '([^/]+)\\.parquet$', 1), updated_at
                FROM read_parquet(\(glob), filename = '__file', union_by_name = true) SEMI JOIN affected USING (issue_key)
                """
            ).rows()
            for row in rows {
                if let key = row[0].stringValue, let shard = row[1].stringValue { stored[key] = (shard, row[2]) }
            }
        }
        var keptNewer: [String] = []
        for (key, rows) in latest {
            guard let old = stored[key], case .timestamp(let oldTime) = old.updated,
                case .time(let newDate)? = rows.rows[.issues]?.first?["updated_at"]
            else { continue }
            if TimestampValue(newDate, withTimeZone: true).value < oldTime.value {
                latest[key] = nil
                keptNewer.append(key)
            }
        }
        let replaced = Set(latest.keys).union(deletes)
        try connection.execute("DELETE FROM affected")
        try append(replaced.sorted().map { [Value.varchar($0)] }, to: "affected", connection)
        let touched = Set(replaced.compactMap { stored[$0]?.shard }).union(latest.values.map(\.shard))
        guard !touched.isEmpty else {
            return Applied(upserted: 0, deleted: 0, keptNewer: keptNewer.sorted(), shards: [])
        }

        // Build every table's new version first; publish them only when all six are written.
        var versions: [(table: JiraTable, version: URL)] = []
        do {
            for table in JiraTable.allCases {
                versions.append((table, try write(table, rows: latest.values.sorted { $0.key < $1.key }, touched: touched, connection)))
            }
        } catch {
            for (_, version) in versions { try? FileManager.default.removeItem(at: version) }
            throw error
        }
        // One flush of the new files for all six tables (not one per file), before any link points at them.
        JiraShardStore.flushFileSystem(of: source.dataDirectory)
        for (table, version) in versions {
            let link = source.partitionDirectory(for: name(of: table))
            let previous = PartitionedTableWriter.linkTarget(link)
            try PartitionedTableWriter.swap(link: link, to: version)
            PartitionedTableWriter.removeVersions(
                of: name(of: table), in: source, except: [version.lastPathComponent, previous].compactMap { $0 })
        }
        JiraEventQueue.syncDirectory(source.dataDirectory)
        let deleted = deletes.filter { stored[$0] != nil }.count
        return Applied(upserted: latest.count, deleted: deleted, keptNewer: keptNewer.sorted(), shards: touched.sorted())
    }

    /// Writes `table`'s new version folder: the `touched` shards rewritten (their rows of unaffected issues, plus
    /// the new rows), the others linked. Returns the folder (not yet published).
    private func write(_ table: JiraTable, rows: [JiraIssueRows], touched: Set<String>, _ connection: Connection) throws -> URL {
        let fileManager = FileManager.default
        let published = name(of: table)
        let version = source.dataDirectory.appendingPathComponent(".\(published).\(UUID().uuidString.lowercased())", isDirectory: true)
        let staging = version.appendingPathComponent(".staging", isDirectory: true)
        try fileManager.createDirectory(at: version, withIntermediateDirectories: true)
        do {
            let columns = table.columns
            let list = columns.map { Identifier.quoted($0.name) }.joined(separator: ", ")
            let definitions = columns.map { "\(Identifier.quoted($0.name)) \($0.type)" }.joined(separator: ", ")
            try connection.execute("CREATE OR REPLACE TEMP TABLE incoming (\(definitions), __shard VARCHAR)")
            try append(
                rows.flatMap { issue in
                    (issue.rows[table] ?? []).map { row in columns.map { row[$0.name]?.value ?? .null } + [.varchar(issue.shard)] }
                },
                to: "incoming", connection)
            let current = source.localData(for: published)
            var existing: [String] = []
            if case .partitions(let folder, let names) = current {
                existing = names.filter { touched.contains($0) }.map { folder.appendingPathComponent($0 + ".parquet").path }
            }
            let kept =
                existing.isEmpty
                ? ""
                : """
                SELECT \(list), regexp_extract(__file, '([^/]+)\\.parquet$', 1) AS __shard
                FROM read_parquet([\(existing.map(Identifier.literal).joined(separator: ", "))], filename = '__file', union_by_name = true)
                ANTI JOIN affected USING (issue_key)
                UNION ALL
                """
            try connection.execute(
                """
                COPY (\(kept) SELECT \(list), __shard FROM incoming) TO \(Identifier.literal(staging.path))
                (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (__shard), OVERWRITE_OR_IGNORE true)
                """)
            var written = Set<String>()
            if fileManager.fileExists(atPath: staging.path) {
                for folder in try fileManager.contentsOfDirectory(atPath: staging.path) where folder.hasPrefix("__shard=") {
                    let shard = String(folder.dropFirst("__shard=".count))
                    guard PartitionName.isValid(shard) else { throw ExtractError("a Jira shard name \"\(shard)\" is not a file name") }
                    let directory = staging.appendingPathComponent(folder, isDirectory: true)
                    let files = try fileManager.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".parquet") }
                    let target = version.appendingPathComponent(shard + ".parquet")
                    if files.count == 1 {
                        try fileManager.moveItem(at: directory.appendingPathComponent(files[0]), to: target)
                    } else {
                        try connection.execute(
                            "COPY (SELECT * FROM read_parquet(\(Identifier.literal(directory.path + "/*.parquet")))) TO \(Identifier.literal(target.path)) (FORMAT parquet, COMPRESSION zstd)"
                        )
                    }
                    written.insert(shard)
                }
                try fileManager.removeItem(at: staging)
            }
            if case .partitions(let folder, let names) = current {
                for name in names where !touched.contains(name) {
                    let from = folder.appendingPathComponent(name + ".parquet").path
                    let to = version.appendingPathComponent(name + ".parquet").path
                    if Foundation.link(from, to) != 0 { try fileManager.copyItem(atPath: from, toPath: to) }
                }
            }
            if ExtractSource.partitionNames(in: version).isEmpty {
                // No rows left at all: an empty shard keeps the table and its columns published.
                try connection.execute(
                    "COPY (SELECT \(list) FROM incoming LIMIT 0) TO \(Identifier.literal(version.appendingPathComponent("none.parquet").path)) (FORMAT parquet)"
                )
            }
            return version
        } catch let error as DuckDBError {
            try? fileManager.removeItem(at: version)
            throw ExtractError("the Jira table \(published) could not be rewritten: \(error.message)")
        } catch {
            try? fileManager.removeItem(at: version)
            throw error
        }
    }

    /// Flushes everything written on the file system holding `folder` (`syncfs`): one call instead of an `fsync` per
    /// shard file.
    static func flushFileSystem(of folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        if let syncfs = JiraShardStore.syncfs { _ = syncfs(descriptor) } else { sync() }
    }

    /// Linux's `syncfs(2)`, which the Glibc module does not export (it needs `_GNU_SOURCE`); looked up at run time.
    private static let syncfs: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

    /// `table`'s shard files as a `read_parquet` list argument; `nil` before its first write.
    private func glob(_ table: JiraTable) -> String? {
        guard case .partitions(let folder, let names) = source.localData(for: name(of: table)), !names.isEmpty else { return nil }
        return "[" + names.map { Identifier.literal(folder.appendingPathComponent($0 + ".parquet").path) }.joined(separator: ", ") + "]"
    }

    private func append(_ rows: [[Value]], to table: String, _ connection: Connection) throws {
        guard !rows.isEmpty else { return }
        let appender = try connection.appender(table: table)
        for row in rows { try appender.append(row: row) }
        try appender.close()
    }

    // MARK: - Reading

    /// The stored issues' keys with `updated_at` and status category (for the SLA poll and the consistency pass).
    public func issues() throws -> [String: (updated: Date?, statusCategory: String?)] {
        guard let glob = glob(.issues) else { return [:] }
        let connection = try Database(configuration: .init(threads: 1)).connect()
        let rows = try connection.query(
            "SELECT issue_key, epoch_us(updated_at), status_category FROM read_parquet(\(glob), union_by_name = true)"
        ).rows()
        var found: [String: (updated: Date?, statusCategory: String?)] = [:]
        for row in rows {
            guard let key = row[0].stringValue else { continue }
            found[key] = (row[1].int64Value.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }, row[2].stringValue)
        }
        return found
    }

    /// Writes `extract.duckdb` listing the six tables (those written so far) with their rows and sizes. Blocking.
    public func publishExtract(now: Date = Date()) throws {
        let connection = try Database(configuration: .init(threads: 1)).connect()
        var tables: [ExtractTable] = []
        for table in JiraTable.allCases {
            guard case .partitions(let folder, let names) = source.localData(for: name(of: table)), !names.isEmpty else { continue }
            let files = names.map { folder.appendingPathComponent($0 + ".parquet").path }
            let rows =
                try connection.query(
                    "SELECT coalesce(sum(row_group_num_rows), 0) FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata([\(files.map(Identifier.literal).joined(separator: ", "))]))"
                ).scalar()?.int64Value ?? 0
            let size = files.reduce(Int64(0)) { $0 + PartitionedTableWriter.size($1) }
            tables.append(
                ExtractTable(name: name(of: table), description: "Jira \(table.rawValue)", rows: rows, sizeBytes: size, extractedAt: now))
        }
        try ExtractContract.write(source, tables: tables)
    }

    /// Stores an issue's raw JSON as fetched, `raw/issues/<KEY>.json`; returns the path relative to the source's folder.
    @discardableResult
    public func writeRaw(_ key: String, _ json: Data) throws -> String {
        guard JiraText.isIssueKey(key) else { throw ExtractError("\"\(key.prefix(80))\" is not a Jira issue key") }
        let relative = "raw/issues/\(key).json"
        let target = source.directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try json.write(to: target, options: .atomic)
        return relative
    }

    /// Removes a deleted issue's raw JSON and attachments.
    public func removeFiles(of key: String) {
        guard JiraText.isIssueKey(key) else { return }
        try? FileManager.default.removeItem(at: source.directory.appendingPathComponent("raw/issues/\(key).json"))
        try? FileManager.default.removeItem(at: source.directory.appendingPathComponent("attachments/\(key)", isDirectory: true))
    }
}

extension JiraCell {
    /// The cell as a DuckDB value of its column's type.
    var value: Value {
        switch self {
        case .text(let text): .varchar(text)
        case .integer(let number): .bigint(number)
        case .time(let date): .timestamp(TimestampValue(date, withTimeZone: true))
        case .null: .null
        }
    }
}
