import AnalystAPI
import AnalystCore
import DuckDB
import Foundation
import Logging

/// The Keboola source (`source_type: keboola`): each registered table is exported by Keboola's Storage API as
/// gzipped CSV (sliced or not), streamed to disk, typed from Keboola's column metadata and written by DuckDB as
/// ZSTD parquet into `extracts/keboola/data/<table>.parquet`.
///
/// - `full_refresh` replaces the table; `incremental` exports only rows changed since the last successful export
///   (`changedSince`, remembered in the extract's `_cursors`) and upserts them by `primary_key`; `partitioned`
///   exports the same way and rewrites only the partition files the changed rows touch (`PartitionedTableWriter`).
/// - A table's new file replaces the old one by rename only after it was written whole; a failed table keeps its
///   last good file and its cursor. One table failing does not stop the others.
public struct KeboolaConnector: Connector {
    public static let sourceName = "keboola"
    /// Tables exported at the same time (Keboola runs the exports; this bounds downloads and conversions here).
    static let concurrentTables = 3
    /// Slices of one export downloaded at the same time.
    static let concurrentSlices = 4

    let settings: KeboolaSettings
    let environment: [String: String]
    let directory: DataDirectory
    let logger: Logger
    /// Rows per file of an incremental table (tests make it small).
    var chunkRows = PartitionedTableWriter.defaultChunkRows

    public init(settings: KeboolaSettings, environment: [String: String], directory: DataDirectory, logger: Logger) {
        self.settings = settings
        self.environment = environment
        self.directory = directory
        self.logger = logger
    }

    public var sourceName: String { KeboolaConnector.sourceName }
    var source: ExtractSource { ExtractSource(name: sourceName, in: directory.extracts) }

    public func extract(_ run: ExtractRun) async -> [TableOutcome] {
        let client: KeboolaClient
        switch settings.client(environment: environment) {
        case .success(let made): client = made
        case .failure(let error): return run.tables.map { .failed($0.id, source: sourceName, error.description) }
        }
        let previous: [String: ExtractTable]
        var cursors: [String: String]
        do {
            previous = try await BlockingExecutor.shared.run {
                guard FileManager.default.fileExists(atPath: source.database.path) else { return [:] }
                return Dictionary(uniqueKeysWithValues: try ExtractContract.read(source).tables.map { ($0.name, $0) })
            }
            cursors = try await BlockingExecutor.shared.run { try ExtractContract.cursors(source) }
        } catch {
            return run.tables.map { .failed($0.id, source: sourceName, "the Keboola extract cannot be read: \(error)") }
        }
        let registered = Set(run.registered.map(\.id))
        var published = previous.filter { registered.contains($0.key) }
        cursors = cursors.filter { registered.contains($0.key) }

        var outcomes: [TableOutcome] = []
        let startingCursors = cursors
        let withData = Set(published.keys)
        await withTaskGroup(of: (TableOutcome, ExportedTable?).self) { group in
            var pending = run.tables[...]
            func startNext() {
                guard let table = pending.popFirst() else { return }
                group.addTask {
                    await self.run(
                        table, client: client, cursor: startingCursors[table.id], hasData: withData.contains(table.id))
                }
            }
            for _ in 0..<KeboolaConnector.concurrentTables { startNext() }
            for await (outcome, exported) in group {
                outcomes.append(outcome)
                if let exported {
                    published[exported.table.name] = exported.table
                    cursors[exported.table.name] = exported.cursor
                }
                startNext()
            }
        }
        let tables = published.values.sorted { $0.name < $1.name }
        let finalCursors = cursors
        do {
            try await BlockingExecutor.shared.run {
                try ExtractContract.write(source, tables: tables, cursors: finalCursors)
                try removeFiles(except: Set(tables.map(\.name)))
            }
        } catch {
            logger.error("could not write the Keboola extract", metadata: ["error": "\(error)"])
            return run.tables.map { .failed($0.id, source: sourceName, "the Keboola extract could not be written: \(error)") }
        }
        return outcomes.sorted { $0.table < $1.table }
    }

    /// What one successful table export leaves: its `_meta` row and its next cursor.
    struct ExportedTable: Sendable {
        var table: ExtractTable
        var cursor: String?
    }

    /// Exports one table; never throws (a failure is the outcome).
    private func run(_ table: RegisteredTable, client: KeboolaClient, cursor: String?, hasData: Bool) async -> (
        TableOutcome, ExportedTable?
    ) {
        let started = ContinuousClock.now
        do {
            let (exported, read) = try await export(table, client: client, cursor: hasData ? cursor : nil)
            return (
                TableOutcome(
                    table: table.id, source: sourceName, rows: read.rows, bytes: read.bytes, duration: started.duration(to: .now)),
                exported
            )
        } catch {
            let message = client.scrub((error as? KeboolaError)?.description ?? (error as? DuckDBError)?.message ?? "\(error)")
            logger.warning("a Keboola table failed", metadata: ["table": "\(table.id)", "error": "\(message)"])
            return (.failed(table.id, source: sourceName, message, duration: started.duration(to: .now)), nil)
        }
    }

    /// What an export read from Keboola.
    struct ReadFacts: Sendable {
        var rows: Int64
        var bytes: Int64
    }

    private func export(_ table: RegisteredTable, client: KeboolaClient, cursor: String?) async throws -> (ExportedTable, ReadFacts) {
        guard table.queryMode == .local else {
            throw ExtractError(
                "query_mode remote for Keboola needs DuckDB's keboola extension, which this server does not have; register the table with query_mode local"
            )
        }
        guard let bucket = table.bucket, !bucket.isEmpty else {
            throw ExtractError("bucket is not set: give the Keboola bucket id, e.g. in.c-sales")
        }
        let sourceID = bucket + "." + table.sourceTableName
        let metadata = try await client.table(sourceID)
        let available = metadata.columns ?? []
        let columns = table.exportColumns.isEmpty ? available : table.exportColumns
        let missing = columns.filter { !available.contains($0) }
        guard missing.isEmpty else {
            throw ExtractError("Keboola table \(sourceID) has no column \(missing.joined(separator: ", ")) (export_columns)")
        }
        guard !columns.isEmpty else { throw ExtractError("Keboola table \(sourceID) has no columns") }
        // Partitioned tables are exported like incremental ones: changed rows, upserted into their partitions.
        let partitioned = table.syncStrategy == .partitioned
        let incremental = table.syncStrategy == .incremental || partitioned
        let key = table.primaryKeyColumns
        if incremental, let absent = key.first(where: { !columns.contains($0) }) {
            throw ExtractError("primary_key column \(absent) is not among the exported columns of \(sourceID)")
        }
        if partitioned, let column = table.partitionBy, !columns.contains(column) {
            throw ExtractError("partition_by column \(column) is not among the exported columns of \(sourceID)")
        }
        let request = KeboolaExportRequest(
            columns: table.exportColumns, changedSince: incremental ? cursor : nil, whereFilters: table.whereFilters)
        let job = try await client.wait(for: try await client.startExport(sourceID, request), table: sourceID)
        guard let fileID = job.results?.file?.id else {
            throw ExtractError("the export job \(job.id) of \(sourceID) finished without a file")
        }
        let file = try await client.file(fileID, table: sourceID)

        let work = source.directory.appendingPathComponent(".work/\(table.id)-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let sliced = file.isSliced ?? false
        let locations = sliced ? try await client.sliceManifest(file, table: sourceID) : [.url(file.url)]
        let downloader = KeboolaSliceDownloader(file: file, endpoints: .init(environment: environment))
        // A few slices at a time: one stream rarely fills the link to the storage.
        var parts = [String](repeating: "", count: locations.count)
        var bytes: Int64 = 0
        try await withThrowingTaskGroup(of: (Int, String, Int64).self) { group in
            var pending = Array(locations.enumerated()).makeIterator()
            func startNext() {
                guard let (index, location) = pending.next() else { return }
                let path = work.appendingPathComponent("part-\(index)").path
                group.addTask {
                    let read = try await client.download(location, with: downloader, to: path, table: sourceID)
                    return (index, try KeboolaConnector.nameByCompression(path), read)
                }
            }
            for _ in 0..<KeboolaConnector.concurrentSlices { startNext() }
            while let (index, path, read) = try await group.next() {
                parts[index] = path
                bytes += read
                startNext()
            }
        }
        let typed = KeboolaColumnTypes.resolve(metadata, columns: columns)
        let plan = CSVConversion(parts: parts, header: !sliced, columns: typed, target: source.parquetFile(for: table.id))
        let rows: CSVConversion.Rows
        let size: Int64
        // Incremental and partitioned tables are folders of files, so that a run rewrites only the files it touches.
        let layout: PartitionedTableWriter.Layout? =
            partitioned
            ? table.partitionBy.map { .byDate(column: $0, granularity: table.partitionGranularity) }
            : incremental && !key.isEmpty ? .chunks(rowsPerChunk: chunkRows) : nil
        if let layout {
            let writer = PartitionedTableWriter(source: source, table: table.id, layout: layout, key: key)
            let changed = plan.reader()
            let written = try await BlockingExecutor.shared.run { try writer.write(changed: changed) }
            logger.info("files rewritten", metadata: ["table": "\(table.id)", "files": "\(written.touched.joined(separator: ","))"])
            rows = CSVConversion.Rows(read: written.read, total: written.total)
            size = written.sizeBytes
        } else {
            let source = self.source
            rows = try await BlockingExecutor.shared.run {
                let rows = try plan.run()
                // A table that was partitioned before is one file now.
                PartitionedTableWriter.removePartitions(of: table.id, in: source)
                return rows
            }
            size = PartitionedTableWriter.size(plan.target.path)
        }
        let nextCursor = incremental ? (job.createdTime ?? KeboolaConnector.fallbackCursor()) : nil
        return (
            ExportedTable(
                table: ExtractTable(
                    name: table.id, description: table.description ?? metadata.description, rows: rows.total,
                    sizeBytes: size, extractedAt: Date()),
                cursor: nextCursor),
            ReadFacts(rows: rows.read, bytes: bytes)
        )
    }

    /// A moment safely before now, in Keboola's format, for a job that did not say when it was created.
    static func fallbackCursor(now: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: now.addingTimeInterval(-300))
    }

    /// Renames a downloaded part to `.csv.gz` or `.csv` by its first bytes (gzip's magic number), so DuckDB reads
    /// either; returns the new path.
    static func nameByCompression(_ path: String) throws -> String {
        let handle = FileHandle(forReadingAtPath: path)
        let magic = try handle?.read(upToCount: 2) ?? Data()
        try? handle?.close()
        let named = path + (magic == Data([0x1f, 0x8b]) ? ".csv.gz" : ".csv")
        guard rename(path, named) == 0 else { throw ExtractError("cannot rename \(path): \(String(cString: strerror(errno)))") }
        return named
    }

    /// Deletes parquet files and partition folders of tables the extract no longer lists (their registration was
    /// removed).
    private func removeFiles(except kept: Set<String>) throws {
        PartitionedTableWriter.removeTables(in: source, except: kept)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source.dataDirectory.path)) ?? []
        for name in names where name.hasSuffix(".parquet") && !kept.contains(String(name.dropLast(".parquet".count))) {
            try? FileManager.default.removeItem(at: source.dataDirectory.appendingPathComponent(name))
        }
    }
}

/// Turns downloaded CSV parts into a table's parquet file with DuckDB: typed columns, empty text kept as empty
/// strings in text columns and read as NULL elsewhere, ZSTD. Written to a temporary file and renamed over the target.
/// (Incremental and partitioned tables merge the parts' rows into their folder with `PartitionedTableWriter`.)
struct CSVConversion: Sendable {
    var parts: [String]
    var header: Bool
    var columns: [(name: String, type: String)]
    var target: URL

    /// Rows read from the CSV parts, and rows in the table afterwards.
    struct Rows: Sendable {
        var read: Int64
        var total: Int64
    }

    /// Blocking: call off the cooperative pool.
    func run() throws -> Rows {
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.path + ".tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        let connection = try Database(configuration: .init(threads: 2)).connect()
        let read: Int64
        do {
            // Row order does not matter in the file, and keeping it would buffer the whole input in memory.
            try connection.execute("SET preserve_insertion_order = false")
            read = Int64(
                try connection.run(
                    "COPY (SELECT * FROM \(reader())) TO \(Identifier.literal(temporary)) (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE \(PartitionedTableWriter.rowGroupRows))"
                ))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        guard rename(temporary, target.path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ExtractError("could not move \(temporary) into place: \(String(cString: strerror(errno)))")
        }
        return Rows(read: read, total: read)
    }

    /// The `read_csv(…)` call over every part with the declared columns.
    func reader() -> String {
        let files = "[" + parts.map(Identifier.literal).joined(separator: ", ") + "]"
        let declared = "{" + columns.map { "\(Identifier.literal($0.name)): \(Identifier.literal($0.type))" }.joined(separator: ", ") + "}"
        let text = columns.filter { $0.type == "VARCHAR" }.map { Identifier.literal($0.name) }
        var options = [
            "header = \(header)", "delim = ','", "quote = '\"'", "escape = '\"'", "columns = \(declared)",
            "auto_detect = false", "nullstr = ''", "max_line_size = 67108864",
        ]
        if !text.isEmpty { options.append("force_not_null = [\(text.joined(separator: ", "))]") }
        return "read_csv(\(files), \(options.joined(separator: ", ")))"
    }
}
