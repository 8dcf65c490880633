import AnalystAPI
import AnalystCore
import DuckDB
import Foundation

/// Writes a `partitioned` table's changed rows into its folder of partition files, `data/<table>/<partition>.parquet`
/// (one per month or day of `partition_by`, `none` for rows without a date), rewriting only the partitions the run
/// touched: those that get changed rows, and those that held an older version of a changed row (a row whose date
/// moved leaves its old partition). Rows are upserted by the primary key.
///
/// Publishing is atomic: `data/<table>` is a link to a version folder `data/.<table>.<id>/`. A run builds a new
/// version (hard links to the untouched partitions, new files for the touched ones) and swaps the link by rename, so
/// a reader sees the old or the new set, never a mix. The previous version stays until the next run (a query or
/// download may still read it); older ones are removed.
struct PartitionedTableWriter: Sendable {
    var source: ExtractSource
    var table: String
    var partitionBy: String
    var granularity: PartitionGranularity
    var key: [String]

    /// What a run wrote.
    struct Written: Sendable, Equatable {
        /// Rows read from the source (the changed rows).
        var read: Int64
        /// Rows in the table afterwards.
        var total: Int64
        /// Partitions rewritten, created or emptied, sorted.
        var touched: [String]
        var sizeBytes: Int64
    }

    /// The SQL expression naming a row's partition.
    var partitionExpression: String {
        let format = granularity == .day ? "%Y-%m-%d" : "%Y-%m"
        return "coalesce(strftime(CAST(\(Identifier.quoted(partitionBy)) AS DATE), '\(format)'), 'none')"
    }

    /// Merges the rows `changed` (a relation, e.g. a `read_csv(…)` call) into the table. Blocking: call off the
    /// cooperative pool. On any failure the published version is untouched.
    func write(changed: String) throws -> Written {
        guard !key.isEmpty else { throw ExtractError("sync_strategy partitioned needs primary_key (changed rows are upserted by it)") }
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        let link = source.partitionDirectory(for: table)
        let current = PartitionedTableWriter.linkTarget(link)
        let existing = source.localData(for: table)
        let version = source.dataDirectory.appendingPathComponent(".\(table).\(UUID().uuidString.lowercased())", isDirectory: true)
        let staging = version.appendingPathComponent(".staging", isDirectory: true)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            let connection = try Database(configuration: .init(threads: 2)).connect()
            let partition = partitionExpression
            try connection.execute(
                "CREATE TEMP TABLE changed AS SELECT *, \(partition) AS __partition FROM \(changed)")
            let read = try connection.query("SELECT count(*) FROM changed").scalar()?.int64Value ?? 0
            let using = key.map(Identifier.quoted).joined(separator: ", ")

            // The partitions to rewrite, and the older rows they keep.
            var touched = Set(
                try connection.query("SELECT DISTINCT __partition FROM changed").rows().compactMap { $0[0].stringValue })
            let old: String?
            switch existing {
            case .file(let file) where fileManager.fileExists(atPath: file.path):
                // A table in one file (registered as another strategy before): every partition is written anew.
                old = "read_parquet(\(Identifier.literal(file.path)))"
                touched.formUnion(
                    try connection.query("SELECT DISTINCT \(partition) FROM \(old ?? "")").rows().compactMap { $0[0].stringValue })
            case .file:
                old = nil
            case .partitions(let folder, _):
                let glob = Identifier.literal(folder.path + "/*.parquet")
                let holding = try connection.query(
                    """
                    SELECT DISTINCT regexp_extract(filename, '([^/]+)\\.parquet$', 1)
                    FROM read_parquet(\(glob), union_by_name = true, filename = true) SEMI JOIN changed USING (\(using))
                    """
                ).rows().compactMap { $0[0].stringValue }
                touched.formUnion(holding)
                let files = touched.sorted().map { folder.appendingPathComponent($0 + ".parquet").path }
                    .filter { fileManager.fileExists(atPath: $0) }
                old = files.isEmpty ? nil : "read_parquet([\(files.map(Identifier.literal).joined(separator: ", "))], union_by_name = true)"
            }
            for name in touched where !PartitionName.isValid(name) {
                throw ExtractError("partition_by \(partitionBy) gives a partition name \"\(name)\" that cannot be a file name")
            }
            guard !touched.isEmpty else {
                try? fileManager.removeItem(at: version)
                guard case .partitions = existing else {
                    // Nothing yet and nothing read: an empty file keeps the table's columns published.
                    let target = source.parquetFile(for: table)
                    try connection.execute(
                        "COPY (SELECT * EXCLUDE (__partition) FROM changed) TO \(Identifier.literal(target.path)) (FORMAT parquet, COMPRESSION zstd)"
                    )
                    return Written(read: 0, total: 0, touched: [], sizeBytes: PartitionedTableWriter.size(target.path))
                }
                let total = try connection.query("SELECT count(*) FROM \(existing.relation)").scalar()?.int64Value ?? 0
                return Written(read: read, total: total, touched: [], sizeBytes: currentSize(existing))
            }
            let merged =
                old.map {
                    """
                    SELECT *, \(partition) AS __partition FROM (SELECT * FROM \($0) ANTI JOIN changed USING (\(using)))
                    UNION ALL BY NAME SELECT * FROM changed
                    """
                } ?? "SELECT * FROM changed"
            try connection.execute(
                """
                COPY (\(merged)) TO \(Identifier.literal(staging.path))
                (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (__partition), OVERWRITE_OR_IGNORE true)
                """)
            try collect(staging, into: version, connection: connection)
            try fileManager.removeItem(at: staging)
            // Untouched partitions: the same files, linked into the new version.
            if case .partitions(let folder, let names) = existing {
                for name in names where !touched.contains(name) {
                    let from = folder.appendingPathComponent(name + ".parquet").path
                    let to = version.appendingPathComponent(name + ".parquet").path
                    if Foundation.link(from, to) != 0 { try fileManager.copyItem(atPath: from, toPath: to) }
                }
            }
            let published = ExtractSource.partitionNames(in: version)
            guard !published.isEmpty || read == 0 else {
                throw ExtractError("the partitioned write of \(table) produced no files")
            }
            let total =
                published.isEmpty
                ? 0
                : try connection.query(
                    "SELECT count(*) FROM read_parquet(\(Identifier.literal(version.path + "/*.parquet")), union_by_name = true)"
                ).scalar()?.int64Value ?? 0
            try PartitionedTableWriter.swap(link: link, to: version)
            // The single file of a table that became partitioned, and versions older than the previous one.
            try? fileManager.removeItem(at: source.parquetFile(for: table))
            PartitionedTableWriter.removeVersions(of: table, in: source, except: [version.lastPathComponent, current].compactMap { $0 })
            let size = published.reduce(Int64(0)) { $0 + PartitionedTableWriter.size(version.appendingPathComponent($1 + ".parquet").path) }
            return Written(read: read, total: total, touched: touched.sorted(), sizeBytes: size)
        } catch {
            try? fileManager.removeItem(at: version)
            throw error
        }
    }

    /// Moves DuckDB's hive-style output (`__partition=<name>/data_0.parquet`) to `<name>.parquet` in `version`; a
    /// partition DuckDB split into several files is merged into one.
    private func collect(_ staging: URL, into version: URL, connection: Connection) throws {
        let fileManager = FileManager.default
        for folder in try fileManager.contentsOfDirectory(atPath: staging.path).sorted() {
            guard folder.hasPrefix("__partition=") else { continue }
            let name = String(folder.dropFirst("__partition=".count)).removingPercentEncoding ?? ""
            guard PartitionName.isValid(name) else {
                throw ExtractError("partition_by \(partitionBy) gives a partition name \"\(name)\" that cannot be a file name")
            }
            let directory = staging.appendingPathComponent(folder, isDirectory: true)
            let files = try fileManager.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".parquet") }.sorted()
            let target = version.appendingPathComponent(name + ".parquet")
            if files.count == 1 {
                try fileManager.moveItem(at: directory.appendingPathComponent(files[0]), to: target)
            } else if !files.isEmpty {
                let glob = Identifier.literal(directory.path + "/*.parquet")
                try connection.execute(
                    "COPY (SELECT * FROM read_parquet(\(glob))) TO \(Identifier.literal(target.path)) (FORMAT parquet, COMPRESSION zstd)")
            }
        }
    }

    private func currentSize(_ existing: LocalTableData) -> Int64 {
        guard case .partitions(let folder, let names) = existing else { return 0 }
        return names.reduce(Int64(0)) { $0 + PartitionedTableWriter.size(folder.appendingPathComponent($1 + ".parquet").path) }
    }

    static func size(_ path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The version folder `link` points to (its last path component), if it is a link.
    static func linkTarget(_ link: URL) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)).map { URL(fileURLWithPath: $0).lastPathComponent }
    }

    /// Points `link` at `version` (a sibling folder) by renaming a new link over it; a plain folder in its way (not
    /// written by this code) is moved aside first.
    static func swap(link: URL, to version: URL) throws {
        let fileManager = FileManager.default
        let temporary = link.deletingLastPathComponent().appendingPathComponent(".\(link.lastPathComponent).link.tmp").path
        try? fileManager.removeItem(atPath: temporary)
        try fileManager.createSymbolicLink(atPath: temporary, withDestinationPath: version.lastPathComponent)
        var isDirectory: ObjCBool = false
        if linkTarget(link) == nil, fileManager.fileExists(atPath: link.path, isDirectory: &isDirectory), isDirectory.boolValue {
            try fileManager.moveItem(
                at: link,
                to: link.deletingLastPathComponent().appendingPathComponent(
                    ".\(link.lastPathComponent).old-\(UUID().uuidString.lowercased())"))
        }
        guard rename(temporary, link.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? fileManager.removeItem(atPath: temporary)
            throw ExtractError("could not publish the partitions of \(link.lastPathComponent): \(reason)")
        }
    }

    /// Removes `table`'s version folders (`.<table>.<id>`, and folders moved aside) except those named in `kept`.
    static func removeVersions(of table: String, in source: ExtractSource, except kept: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source.dataDirectory.path)) ?? []
        for name in names where name.hasPrefix(".\(table).") && !kept.contains(name) {
            try? FileManager.default.removeItem(at: source.dataDirectory.appendingPathComponent(name))
        }
    }

    /// Removes `table`'s partitions (link and versions): it is now written as one file.
    static func removePartitions(of table: String, in source: ExtractSource) {
        try? FileManager.default.removeItem(at: source.partitionDirectory(for: table))
        removeVersions(of: table, in: source, except: [])
    }

    /// Removes the partition links and versions of every table not in `kept` (their registration was removed).
    static func removeTables(in source: ExtractSource, except kept: Set<String>) {
        let fileManager = FileManager.default
        let names = (try? fileManager.contentsOfDirectory(atPath: source.dataDirectory.path)) ?? []
        for name in names where !name.hasSuffix(".parquet") {
            let table = name.hasPrefix(".") ? String(name.dropFirst().prefix { $0 != "." }) : name
            guard !table.isEmpty, !kept.contains(table) else { continue }
            try? fileManager.removeItem(at: source.dataDirectory.appendingPathComponent(name))
        }
    }
}
