import AnalystAPI
import AnalystCore
import DuckDB
import Foundation

/// Writes a table kept as a folder of parquet files, `data/<table>/<name>.parquet`, merging a run's changed rows
/// (upserted by the primary key) and rewriting only the files the run touched. Two layouts:
///
/// - `byDate` (`sync_strategy: partitioned`): one file per month or day of `partition_by` (`none` for rows without
///   a date). A run rewrites the partitions that get changed rows and those that held an older version of a changed
///   row (a row whose date moved leaves its old partition).
/// - `chunks` (`sync_strategy: incremental`): files of about `rowsPerChunk` rows, `c00000001`, `c00000002`, … A run
///   rewrites the chunks that held an older version of a changed row, together with the changed rows, as new chunks;
///   the others stay as they are, so a run that changes 1 % of a large table rewrites a few chunks, not the table.
///   Many small chunks are merged when a run touches the folder.
///
/// A first load (nothing published yet) streams the rows straight to their files. Publishing is atomic:
/// `data/<table>` is a link to a version folder `data/.<table>.<id>/`. A run builds a new version (hard links to the
/// untouched files, new files for the touched ones) and swaps the link by rename, so a reader sees the old or the new
/// set, never a mix. The previous version stays until the next run (a query or download may still read it); older
/// ones are removed.
struct PartitionedTableWriter: Sendable {
    enum Layout: Sendable, Equatable {
        case byDate(column: String, granularity: PartitionGranularity)
        case chunks(rowsPerChunk: Int)
    }

    var source: ExtractSource
    var table: String
    var layout: Layout
    var key: [String]

    /// Rows per parquet row group, which chunks are counted in: half DuckDB's default, because its writer holds a row
    /// group per thread in memory (a 10M-row conversion peaks ≈100 MB lower, at the same speed; `make bench`).
    static let rowGroupRows = 61_440
    /// Chunks of a large incremental table: about a million rows each.
    static let defaultChunkRows = 16 * rowGroupRows
    /// Small chunks (under a quarter of a chunk) are merged once there are this many.
    static let smallChunksToMerge = 8

    /// What a run wrote.
    struct Written: Sendable, Equatable {
        /// Rows read from the source (the changed rows).
        var read: Int64
        /// Rows in the table afterwards.
        var total: Int64
        /// Files rewritten, created or emptied, sorted.
        var touched: [String]
        var sizeBytes: Int64
    }

    /// The SQL expression naming a row's date partition.
    static func partitionExpression(_ column: String, _ granularity: PartitionGranularity) -> String {
        let format = granularity == .day ? "%Y-%m-%d" : "%Y-%m"
        return "coalesce(strftime(CAST(\(Identifier.quoted(column)) AS DATE), '\(format)'), 'none')"
    }

    /// Merges the rows `changed` (a relation, e.g. a `read_csv(…)` call) into the table. Blocking: call off the
    /// cooperative pool. On any failure the published version is untouched.
    func write(changed: String) throws -> Written {
        guard !key.isEmpty else { throw ExtractError("changed rows are upserted by primary_key, which is not set") }
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        let link = source.partitionDirectory(for: table)
        let current = PartitionedTableWriter.linkTarget(link)
        let existing = source.localData(for: table)
        let version = source.dataDirectory.appendingPathComponent(".\(table).\(UUID().uuidString.lowercased())", isDirectory: true)
        let staging = version.appendingPathComponent(".staging", isDirectory: true)
        do {
            try fileManager.createDirectory(at: version, withIntermediateDirectories: true)
            let connection = try Database(configuration: .init(threads: 2)).connect()
            // Row order within a file does not matter here, and keeping it would buffer whole inputs in memory.
            try connection.execute("SET preserve_insertion_order = false")
            let read: Int64
            var touched: Set<String>
            let oldFile: String? = {
                guard case .file(let file) = existing, fileManager.fileExists(atPath: file.path) else { return nil }
                return file.path
            }()
            if case .file = existing, oldFile == nil {
                // The first load: nothing to merge with, so the rows stream straight to their files.
                read = Int64(try connection.run(copy("SELECT * FROM \(changed)", to: staging)))
                touched = []
            } else {
                try connection.execute("CREATE TEMP TABLE changed AS SELECT * FROM \(changed)")
                read = try connection.query("SELECT count(*) FROM changed").scalar()?.int64Value ?? 0
                let (rewrite, old) = try plan(existing, oldFile: oldFile, connection: connection)
                touched = rewrite
                if read > 0 || old != nil {
                    let using = key.map(Identifier.quoted).joined(separator: ", ")
                    let merged =
                        old.map { "SELECT * FROM \($0) ANTI JOIN changed USING (\(using)) UNION ALL BY NAME SELECT * FROM changed" }
                        ?? "SELECT * FROM changed"
                    _ = try connection.run(copy(merged, to: staging))
                }
            }
            let written = try collect(staging, into: version, after: existing, connection: connection)
            touched.formUnion(written)
            guard !touched.isEmpty else {
                try? fileManager.removeItem(at: version)
                guard case .partitions = existing else {
                    // Nothing yet and nothing read: an empty file keeps the table's columns published.
                    let target = source.parquetFile(for: table)
                    try connection.execute(
                        "COPY (SELECT * FROM \(changed) LIMIT 0) TO \(Identifier.literal(target.path)) (FORMAT parquet, COMPRESSION zstd)")
                    return Written(read: 0, total: 0, touched: [], sizeBytes: PartitionedTableWriter.size(target.path))
                }
                let total = try connection.query("SELECT count(*) FROM \(existing.relation)").scalar()?.int64Value ?? 0
                return Written(read: read, total: total, touched: [], sizeBytes: currentSize(existing))
            }
            // Untouched files: the same files, linked into the new version.
            if case .partitions(let folder, let names) = existing {
                for name in names where !touched.contains(name) {
                    let from = folder.appendingPathComponent(name + ".parquet").path
                    let to = version.appendingPathComponent(name + ".parquet").path
                    if Foundation.link(from, to) != 0 { try fileManager.copyItem(atPath: from, toPath: to) }
                }
            }
            let published = ExtractSource.partitionNames(in: version)
            guard !published.isEmpty else {
                throw ExtractError("the write of \(table) produced no files")
            }
            let total =
                try connection.query(
                    "SELECT count(*) FROM read_parquet(\(Identifier.literal(version.path + "/*.parquet")), union_by_name = true)"
                ).scalar()?.int64Value ?? 0
            try PartitionedTableWriter.swap(link: link, to: version)
            // The single file of a table that became a folder, and versions older than the previous one.
            try? fileManager.removeItem(at: source.parquetFile(for: table))
            PartitionedTableWriter.removeVersions(of: table, in: source, except: [version.lastPathComponent, current].compactMap { $0 })
            let size = published.reduce(Int64(0)) { $0 + PartitionedTableWriter.size(version.appendingPathComponent($1 + ".parquet").path) }
            return Written(read: read, total: total, touched: touched.sorted(), sizeBytes: size)
        } catch {
            try? fileManager.removeItem(at: version)
            throw error
        }
    }

    /// The existing files to rewrite and the relation of the rows they hold (`nil`: none), given the changed rows in
    /// table `changed`. For date partitions, the partitions that get changed rows are listed too.
    private func plan(_ existing: LocalTableData, oldFile: String?, connection: Connection) throws -> (Set<String>, String?) {
        if let oldFile {
            // A table in one file (registered as another strategy before): all of it is written anew.
            return ([], "read_parquet(\(Identifier.literal(oldFile)))")
        }
        guard case .partitions(let folder, let names) = existing else { return ([], nil) }
        let glob = Identifier.literal(folder.path + "/*.parquet")
        let using = key.map(Identifier.quoted).joined(separator: ", ")
        // Files holding an older version of a changed row: only the key columns are read.
        var touched = Set(
            try connection.query(
                """
                SELECT DISTINCT regexp_extract(filename, '([^/]+)\\.parquet$', 1)
                FROM read_parquet(\(glob), union_by_name = true, filename = true) SEMI JOIN changed USING (\(using))
                """
            ).rows().compactMap { $0[0].stringValue })
        switch layout {
        case .byDate(let column, let granularity):
            let expression = PartitionedTableWriter.partitionExpression(column, granularity)
            touched.formUnion(
                try connection.query("SELECT DISTINCT \(expression) FROM changed").rows().compactMap { $0[0].stringValue })
        case .chunks(let rowsPerChunk):
            // Changed rows go to new chunks; small chunks left by earlier runs are merged into them.
            let counted = try connection.query(
                "SELECT regexp_extract(file_name, '([^/]+)\\.parquet$', 1), sum(row_group_num_rows) FROM parquet_metadata(\(glob)) GROUP BY 1"
            ).rows()
            let small = counted.filter { ($0[1].int64Value ?? 0) < Int64(rowsPerChunk / 4) }.compactMap { $0[0].stringValue }
            if small.count >= PartitionedTableWriter.smallChunksToMerge { touched.formUnion(small) }
        }
        let files = touched.filter { names.contains($0) }.sorted().map {
            Identifier.literal(folder.appendingPathComponent($0 + ".parquet").path)
        }
        return (touched, files.isEmpty ? nil : "read_parquet([\(files.joined(separator: ", "))], union_by_name = true)")
    }

    /// The COPY writing `select`'s rows into `staging`: by date partition, or in chunks.
    private func copy(_ select: String, to staging: URL) -> String {
        switch layout {
        case .byDate(let column, let granularity):
            let expression = PartitionedTableWriter.partitionExpression(column, granularity)
            return """
                COPY (SELECT *, \(expression) AS __partition FROM (\(select))) TO \(Identifier.literal(staging.path))
                (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE \(PartitionedTableWriter.rowGroupRows),
                 PARTITION_BY (__partition), OVERWRITE_OR_IGNORE true)
                """
        case .chunks(let rowsPerChunk):
            let groupRows = min(PartitionedTableWriter.rowGroupRows, rowsPerChunk)
            return """
                COPY (\(select)) TO \(Identifier.literal(staging.path))
                (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE \(groupRows),
                 ROW_GROUPS_PER_FILE \(max(1, rowsPerChunk / groupRows)), OVERWRITE_OR_IGNORE true)
                """
        }
    }

    /// Moves DuckDB's output in `staging` into `version` and returns the names written: hive-style date partitions
    /// (`__partition=<name>/…`) become `<name>.parquet` (several files of one partition are merged); chunks
    /// (`data_<n>.parquet`) become the next chunk names after the existing ones, empty ones dropped.
    private func collect(_ staging: URL, into version: URL, after existing: LocalTableData, connection: Connection) throws -> Set<String> {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: staging.path) else { return [] }
        defer { try? fileManager.removeItem(at: staging) }
        var written = Set<String>()
        switch layout {
        case .byDate(let column, _):
            for folder in try fileManager.contentsOfDirectory(atPath: staging.path).sorted() {
                guard folder.hasPrefix("__partition=") else { continue }
                let name = String(folder.dropFirst("__partition=".count)).removingPercentEncoding ?? ""
                guard PartitionName.isValid(name) else {
                    throw ExtractError("partition_by \(column) gives a partition name \"\(name)\" that cannot be a file name")
                }
                let directory = staging.appendingPathComponent(folder, isDirectory: true)
                let files = try fileManager.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".parquet") }.sorted()
                let target = version.appendingPathComponent(name + ".parquet")
                if files.count == 1 {
                    try fileManager.moveItem(at: directory.appendingPathComponent(files[0]), to: target)
                } else if !files.isEmpty {
                    let glob = Identifier.literal(directory.path + "/*.parquet")
                    try connection.execute(
                        "COPY (SELECT * FROM read_parquet(\(glob))) TO \(Identifier.literal(target.path)) (FORMAT parquet, COMPRESSION zstd)"
                    )
                }
                written.insert(name)
            }
        case .chunks:
            var next = 1
            if case .partitions(_, let names) = existing {
                next = (names.compactMap { Int($0.dropFirst()) }.max() ?? 0) + 1
            }
            let files = try fileManager.contentsOfDirectory(atPath: staging.path).filter { $0.hasSuffix(".parquet") }
                .sorted { (Int($0.dropFirst(5).dropLast(8)) ?? 0) < (Int($1.dropFirst(5).dropLast(8)) ?? 0) }
            for file in files {
                let path = staging.appendingPathComponent(file).path
                let rows = try connection.query("SELECT count(*) FROM read_parquet(\(Identifier.literal(path)))").scalar()?.int64Value ?? 0
                guard rows > 0 else { continue }
                let name = String(format: "c%08d", next)
                next += 1
                try fileManager.moveItem(atPath: path, toPath: version.appendingPathComponent(name + ".parquet").path)
                written.insert(name)
            }
        }
        return written
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
