import AnalystCore
import DuckDB
import Foundation

/// Extract sources written the way a connector writes them: parquet files made by DuckDB, then the extract contract.
public enum ExtractFixtures {
    /// Writes source `name` under `extracts` with one table per entry of `tables` (that many rows, columns `id` BIGINT
    /// and `label` VARCHAR), plus `remote` views and their `attachments`; the contract then lists exactly these.
    public static func write(
        _ name: String, tables: [String: Int], in extracts: URL, remote: [String: String] = [:],
        attachments: [RemoteAttachment] = []
    ) throws {
        let source = ExtractSource(name: name, in: extracts)
        try FileManager.default.createDirectory(at: source.dataDirectory, withIntermediateDirectories: true)
        let connection = try Database().connect()
        var entries: [ExtractTable] = []
        for (table, rows) in tables.sorted(by: { $0.key < $1.key }) {
            try connection.execute(
                "COPY (SELECT range AS id, 'row ' || range AS label FROM range(\(rows))) TO '\(source.parquetFile(for: table).path)' (FORMAT parquet)"
            )
            entries.append(ExtractTable(name: table, rows: Int64(rows), sizeBytes: 0))
        }
        for table in remote.keys.sorted() {
            entries.append(ExtractTable(name: table, rows: 0, sizeBytes: 0, queryMode: .remote))
        }
        try ExtractContract.write(source, tables: entries, attachments: attachments, remoteViews: remote)
    }
}
