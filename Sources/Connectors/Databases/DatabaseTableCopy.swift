import AnalystCore
import DuckDB
import Foundation

/// Copies one local table from its database into `data/<table>.parquet` (ZSTD) with DuckDB and the engine's
/// extension: the whole table, or for an incremental run with a `since` cursor only the rows past it, upserted by
/// the primary key (or appended without one). The new file is written beside the target and renamed over it, so
/// a failure leaves the old file as it was.
///
/// Blocking: call `run()` off the cooperative pool. Its errors may quote the connection string: redact them.
struct DatabaseTableCopy: Sendable {
    var table: DatabaseTable
    var connectionString: String
    var extensionDirectory: String?
    var target: URL
    /// The cursor of the published file, when this run reads only what changed since.
    var since: DatabaseCursor?

    /// What a copy did.
    struct Copied: Sendable {
        /// Rows read from the source (the changed rows of an incremental run).
        var rowsRead: Int64
        /// Rows in the published file.
        var rowsTotal: Int64
        /// Size of the rows read, as ZSTD parquet (the extensions do not report bytes on the wire).
        var bytesRead: Int64
        /// Size of the published file.
        var fileSize: Int64
        /// The cursor to store with the file; `nil` for a full refresh or when every cursor value is NULL.
        var cursor: DatabaseCursor?
        /// False when an incremental run found nothing new and left the file alone.
        var replaced: Bool
    }

    func run() throws -> Copied {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.path + ".tmp"
        let changed = target.path + ".changed.tmp"
        defer {
            try? fileManager.removeItem(atPath: temporary)
            try? fileManager.removeItem(atPath: changed)
        }
        let connection = try Database(configuration: .init(threads: 2, extensionDirectory: extensionDirectory)).connect()
        // Row order does not matter in the file, and keeping it would buffer whole inputs in memory.
        try connection.execute("SET preserve_insertion_order = false")
        try ExtractAttacher.attachDatabase(
            connectionString, extensionName: table.kind.extensionName, alias: table.alias, to: connection)
        if table.kind == .mysql {
            // The extension adds a MAX_EXECUTION_TIME hint of at most five minutes by default; an extract is a long read.
            try connection.execute("SET mysql_query_timeout_enabled = false")
        }
        let columns = try connection.query("DESCRIBE SELECT * FROM \(table.relation)").rows().compactMap { $0[0].stringValue }
        let incremental = table.registered.syncStrategy == .incremental
        var cursorColumn: String?
        if incremental {
            guard let registered = table.registered.cursorColumn, !registered.isEmpty else {
                throw ExtractError("sync_strategy incremental needs cursor_column (rows past its last value are read)")
            }
            guard let column = columns.first(where: { $0.lowercased() == registered.lowercased() }) else {
                throw ExtractError("cursor_column \(registered) is not a column of \(table.displayOrigin)")
            }
            cursorColumn = column
        }
        let key = table.registered.primaryKeyColumns
        if let absent = key.first(where: { name in !columns.contains { $0.lowercased() == name.lowercased() } }) {
            throw ExtractError("primary_key column \(absent) is not a column of \(table.displayOrigin)")
        }

        var select = "SELECT * FROM \(table.relation)"
        let merging = since != nil && fileManager.fileExists(atPath: target.path)
        if merging, let since, let cursorColumn {
            // A string literal takes the column's type in DuckDB, so the comparison is typed and reaches the
            // source as a filter (the extensions push constant filters down).
            select += " WHERE \(Identifier.quoted(cursorColumn)) > \(Identifier.literal(since.value))"
        }
        let copy = "(FORMAT parquet, COMPRESSION zstd)"
        let rowsRead: Int64
        let bytesRead: Int64
        if merging {
            rowsRead = Int64(try connection.run("COPY (\(select)) TO \(Identifier.literal(changed)) \(copy)"))
            bytesRead = DatabaseTableCopy.size(of: changed)
            guard rowsRead > 0 else {
                let rows = try connection.query("SELECT count(*) FROM read_parquet(\(Identifier.literal(target.path)))").scalar()
                return Copied(
                    rowsRead: 0, rowsTotal: rows?.int64Value ?? 0, bytesRead: 0, fileSize: DatabaseTableCopy.size(of: target.path),
                    cursor: since, replaced: false)
            }
            let old = "read_parquet(\(Identifier.literal(target.path)))"
            let new = "read_parquet(\(Identifier.literal(changed)))"
            let merged =
                key.isEmpty
                ? "SELECT * FROM \(old) UNION ALL BY NAME SELECT * FROM \(new)"
                : """
                SELECT old.* FROM \(old) AS old ANTI JOIN \(new) AS changed USING (\(key.map(Identifier.quoted).joined(separator: ", ")))
                UNION ALL BY NAME SELECT * FROM \(new)
                """
            try connection.execute("COPY (\(merged)) TO \(Identifier.literal(temporary)) \(copy)")
        } else {
            rowsRead = Int64(try connection.run("COPY (\(select)) TO \(Identifier.literal(temporary)) \(copy)"))
            bytesRead = DatabaseTableCopy.size(of: temporary)
        }
        let written = "read_parquet(\(Identifier.literal(temporary)))"
        let rowsTotal = try connection.query("SELECT count(*) FROM \(written)").scalar()?.int64Value ?? 0
        var cursor: DatabaseCursor?
        if let cursorColumn {
            let maximum = try connection.query("SELECT max(\(Identifier.quoted(cursorColumn)))::VARCHAR FROM \(written)").scalar()
            cursor = maximum?.stringValue.map { DatabaseCursor(column: cursorColumn, origin: table.fingerprint, value: $0) }
        }
        guard rename(temporary, target.path) == 0 else {
            throw ExtractError("could not move \(temporary) into place: \(String(cString: strerror(errno)))")
        }
        return Copied(
            rowsRead: rowsRead, rowsTotal: rowsTotal, bytesRead: bytesRead, fileSize: DatabaseTableCopy.size(of: target.path),
            cursor: cursor, replaced: true)
    }

    static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}
