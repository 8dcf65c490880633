import AnalystCore
import DuckDB
import Foundation

/// Turns a query's rows file (`BigQueryRowsFile`) into the table's parquet file with DuckDB: typed columns
/// (`BigQueryColumnTypes`), ZSTD. A full read replaces the file; an incremental read (`merge`) adds the rows to the
/// published file, replacing rows with the same primary key (or appending without one). The new file is written
/// beside the target and renamed over it, so a failure leaves the old file as it was.
///
/// Blocking: call `run()` off the cooperative pool.
struct BigQueryConversion: Sendable {
    var rowsFile: String
    var fields: [BigQueryField]
    var target: URL
    /// For an incremental read with a published file: the primary key's columns (empty: append).
    var merge: [String]?
    /// The column whose largest value becomes the next cursor.
    var cursorColumn: String?

    struct Result: Sendable {
        var rowsTotal: Int64
        var fileSize: Int64
        /// The largest cursor value published (microseconds since the epoch for TIMESTAMP), `nil` when all are NULL.
        var cursorValue: String?
    }

    func run() throws -> Result {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.path + ".tmp"
        let changed = target.path + ".changed.tmp"
        defer {
            try? fileManager.removeItem(atPath: temporary)
            try? fileManager.removeItem(atPath: changed)
        }
        let connection = try Database(configuration: .init(threads: 2)).connect()
        // Row order does not matter in the file, and keeping it would buffer whole inputs in memory.
        try connection.execute("SET preserve_insertion_order = false")
        // TIMESTAMP values are built as UTC instants.
        try connection.execute("SET TimeZone = 'UTC'")
        let copy = "(FORMAT parquet, COMPRESSION zstd)"
        let typed = select()
        if let key = merge, fileManager.fileExists(atPath: target.path) {
            let read = try connection.run("COPY (\(typed)) TO \(Identifier.literal(changed)) \(copy)")
            if read > 0 {
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
                // Nothing new: the published file stays as it is.
                try fileManager.copyItem(atPath: target.path, toPath: temporary)
            }
        } else {
            try connection.execute("COPY (\(typed)) TO \(Identifier.literal(temporary)) \(copy)")
        }
        let written = "read_parquet(\(Identifier.literal(temporary)))"
        let rowsTotal = try connection.query("SELECT count(*) FROM \(written)").scalar()?.int64Value ?? 0
        var cursorValue: String?
        if let cursorColumn, let field = fields.first(where: { $0.name == cursorColumn }) {
            let column = Identifier.quoted(cursorColumn)
            let maximum = field.type.uppercased() == "TIMESTAMP" ? "epoch_us(max(\(column)))::VARCHAR" : "max(\(column))::VARCHAR"
            cursorValue = try connection.query("SELECT \(maximum) FROM \(written)").scalar()?.stringValue
        }
        guard rename(temporary, target.path) == 0 else {
            throw ExtractError("could not move \(temporary) into place: \(String(cString: strerror(errno)))")
        }
        let size = ((try? fileManager.attributesOfItem(atPath: target.path)[.size]) as? NSNumber)?.int64Value ?? 0
        return Result(rowsTotal: rowsTotal, fileSize: size, cursorValue: cursorValue)
    }

    /// The typed SELECT over the rows file.
    func select() -> String {
        let declared = fields.map { "\(Identifier.literal($0.name)): \(Identifier.literal(BigQueryColumnTypes.readType($0)))" }
        let reader = """
            read_json(\(Identifier.literal(rowsFile)), format = 'newline_delimited', columns = {\(declared.joined(separator: ", "))}, \
            maximum_object_size = 268435456)
            """
        let columns = fields.map { BigQueryColumnTypes.conversion(Identifier.quoted($0.name), $0) + " AS " + Identifier.quoted($0.name) }
        return "SELECT \(columns.joined(separator: ", ")) FROM \(reader)"
    }
}
