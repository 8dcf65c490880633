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

    /// Converts the inbox files (all, or only those of `tables`) and rewrites the extract. Returns errors by table
    /// (a file that cannot be read stays in the inbox; the others are published).
    public func extract(only tables: [String]? = nil) throws -> [String: String] {
        var errors: [String: String] = [:]
        let inbox = directory.inbox
        let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox.path)) ?? []
        for name in names.sorted() {
            let file = inbox.appendingPathComponent(name)
            let format = file.pathExtension.lowercased()
            guard format == "csv" || format == "parquet" else { continue }
            let table = String(name.dropLast(format.count + 1))
            if let tables, !tables.contains(table) { continue }
            guard Identifier.isValid(table) else {
                errors[name] = "file name \"\(name)\" must be <table>.csv or <table>.parquet with a table id of \(Identifier.rule)"
                continue
            }
            do {
                try convert(file, format: format, into: table)
                try FileManager.default.removeItem(at: file)
            } catch {
                errors[table] = "\(name): \((error as? DuckDBError)?.message ?? "\(error)")"
            }
        }
        try writeExtract()
        return errors
    }

    /// Writes `data/<table>.parquet` from a CSV (types inferred) or a parquet file (rewritten with ZSTD).
    func convert(_ file: URL, format: String, into table: String) throws {
        try FileManager.default.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        let target = source.parquetFile(for: table)
        let temporary = target.path + ".tmp"
        let reader =
            format == "csv"
            ? "read_csv(\(Identifier.literal(file.path)), auto_detect = true, header = true)"
            : "read_parquet(\(Identifier.literal(file.path)))"
        let connection = try Database(configuration: .init(threads: 2)).connect()
        try connection.execute(
            "COPY (SELECT * FROM \(reader)) TO \(Identifier.literal(temporary)) (FORMAT parquet, COMPRESSION zstd)")
        guard rename(temporary, target.path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ExtractError("could not move \(temporary) into place: \(String(cString: strerror(errno)))")
        }
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

    public func extract(tables: [String]?) async -> [String: String] {
        do {
            return try await BlockingExecutor.shared.run { try self.extract(only: tables) }
        } catch {
            return [FilesSource.sourceName: "\(error)"]
        }
    }
}
