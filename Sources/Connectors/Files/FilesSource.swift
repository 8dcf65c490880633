import AnalystCore
import DuckDB
import Foundation

/// The embedded source (`source_type: files`): CSV and parquet files an admin uploads or drops into
/// `DATA_DIR/inbox/<table>.{csv,parquet}` become `extracts/files/data/<table>.parquet` (CSV converted by DuckDB
/// with inferred types, ZSTD-compressed) and the `files` extract lists every such table.
///
/// Blocking: call it off the cooperative pool (the sync jobs do).
public struct FilesSource: Sendable {
    public static let sourceName = "files"
    public let directory: DataDirectory

    public init(directory: DataDirectory) {
        self.directory = directory
    }

    public var source: ExtractSource { ExtractSource(name: FilesSource.sourceName, in: directory.extracts) }

    /// What converting one inbox file read: its rows, its size and how long it took.
    public struct Converted: Sendable, Equatable {
        public var rows: Int64
        public var bytes: Int64
        public var duration: Duration
    }

    /// Converts the inbox files (all, or only those of `tables`) and rewrites the extract. Returns each file's result
    /// by table (a file that cannot be read stays in the inbox; the others are published).
    public func extract(only tables: [String]? = nil) throws -> [String: Result<Converted, ExtractError>] {
        var results: [String: Result<Converted, ExtractError>] = [:]
        let inbox = directory.inbox
        let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox.path)) ?? []
        for name in names.sorted() {
            let file = inbox.appendingPathComponent(name)
            let format = file.pathExtension.lowercased()
            guard format == "csv" || format == "parquet" else { continue }
            let table = String(name.dropLast(format.count + 1))
            if let tables, !tables.contains(table) { continue }
            guard Identifier.isValid(table) else {
                results[name] = .failure(
                    ExtractError("file name \"\(name)\" must be <table>.csv or <table>.parquet with a table id of \(Identifier.rule)"))
                continue
            }
            let started = ContinuousClock.now
            do {
                let bytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
                let rows = try convert(file, format: format, into: table)
                try FileManager.default.removeItem(at: file)
                results[table] = .success(Converted(rows: rows, bytes: bytes, duration: started.duration(to: .now)))
            } catch {
                results[table] = .failure(ExtractError("\(name): \((error as? DuckDBError)?.message ?? "\(error)")"))
            }
        }
        try writeExtract()
        return results
    }

    /// Writes `data/<table>.parquet` from a CSV (types inferred) or a parquet file (rewritten with ZSTD); returns
    /// the rows written.
    @discardableResult
    func convert(_ file: URL, format: String, into table: String) throws -> Int64 {
        try FileManager.default.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        let target = source.parquetFile(for: table)
        let temporary = target.path + ".tmp"
        let reader =
            format == "csv"
            ? "read_csv(\(Identifier.literal(file.path)), auto_detect = true, header = true)"
            : "read_parquet(\(Identifier.literal(file.path)))"
        let connection = try Database(configuration: .init(threads: 2)).connect()
        let rows = try connection.run(
            "COPY (SELECT * FROM \(reader)) TO \(Identifier.literal(temporary)) (FORMAT parquet, COMPRESSION zstd)")
        guard rename(temporary, target.path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ExtractError("could not move \(temporary) into place: \(String(cString: strerror(errno)))")
        }
        return Int64(rows)
    }

    /// Rewrites `extracts/files/extract.duckdb` listing every `data/*.parquet` (rows from the parquet metadata).
    public func writeExtract() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source.dataDirectory.path)) ?? []
        let connection = try Database().connect()
        var tables: [ExtractTable] = []
        for name in names.sorted() where name.hasSuffix(".parquet") {
            let table = String(name.dropLast(".parquet".count))
            guard Identifier.isValid(table) else { continue }
            let file = source.parquetFile(for: table)
            let rows = try connection.query("SELECT count(*) FROM read_parquet(\(Identifier.literal(file.path)))").scalar()?.int64Value ?? 0
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            tables.append(
                ExtractTable(
                    name: table, rows: rows, sizeBytes: (attributes[.size] as? NSNumber)?.int64Value ?? 0,
                    extractedAt: (attributes[.modificationDate] as? Date) ?? Date()))
        }
        guard !tables.isEmpty || FileManager.default.fileExists(atPath: source.database.path) else { return }
        try ExtractContract.write(source, tables: tables)
    }
}

extension FilesSource: Connector {
    public var sourceName: String { FilesSource.sourceName }

    /// Converts the inbox files of `run.tables` (every file, on a whole-source run) and rewrites the extract. A
    /// table asked for without a file in the inbox keeps its published file and is reported as such.
    public func extract(_ run: ExtractRun) async -> [TableOutcome] {
        let names = run.isWholeSource ? nil : run.tables.map(\.id)
        do {
            let converted = try await BlockingExecutor.shared.run { try self.extract(only: names) }
            var outcomes = converted.map { table, result in
                switch result {
                case .success(let facts):
                    TableOutcome(table: table, source: sourceName, rows: facts.rows, bytes: facts.bytes, duration: facts.duration)
                case .failure(let error):
                    TableOutcome.failed(table, source: sourceName, error.description)
                }
            }
            for table in run.tables where converted[table.id] == nil {
                outcomes.append(
                    TableOutcome(
                        table: table.id, source: sourceName, status: .skipped,
                        error: "no file for it in the inbox; its published file stays"))
            }
            return outcomes.sorted { $0.table < $1.table }
        } catch {
            let message = "\(error)"
            return run.tables.map { TableOutcome.failed($0.id, source: sourceName, message) }
        }
    }
}
