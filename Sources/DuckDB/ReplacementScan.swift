import CDuckDB

/// What a table name the catalogue does not hold reads instead: a table function and its positional arguments,
/// e.g. `read_parquet('/data/orders.parquet')`.
public struct TableReplacement: Sendable, Equatable {
    public var function: String
    public var arguments: [Value]

    public init(function: String, arguments: [Value]) {
        self.function = function
        self.arguments = arguments
    }
}

extension Database {
    /// Makes `FROM name` read what `resolve` returns for `name` when the catalogue holds no table or view of that
    /// name (DuckDB's replacement scan); `nil` leaves the name unknown. A catalogue entry always wins.
    ///
    /// `resolve` gets the table name as written in the query (without its schema), is called while a query binds,
    /// on the thread running it, and must not use this database. Add scans before connections run queries.
    public func addReplacementScan(_ resolve: @escaping @Sendable (String) -> TableReplacement?) {
        let box = Unmanaged.passRetained(ReplacementScanBox(resolve)).toOpaque()
        duckdb_add_replacement_scan(handle, replacementScanCallback, box, releaseReplacementScanBox)
    }
}

/// The resolver, kept alive by DuckDB until the database closes (it then calls `releaseReplacementScanBox`).
private final class ReplacementScanBox {
    let resolve: @Sendable (String) -> TableReplacement?
    init(_ resolve: @escaping @Sendable (String) -> TableReplacement?) { self.resolve = resolve }
}

private func replacementScanCallback(
    info: duckdb_replacement_scan_info?, tableName: UnsafePointer<CChar>?, data: UnsafeMutableRawPointer?
) {
    guard let info, let tableName, let data else { return }
    let box = Unmanaged<ReplacementScanBox>.fromOpaque(data).takeUnretainedValue()
    guard let replacement = box.resolve(String(cString: tableName)) else { return }
    duckdb_replacement_scan_set_function_name(info, replacement.function)
    for argument in replacement.arguments {
        do {
            // DuckDB copies the value; ours is destroyed when `DuckDBValue` goes.
            try DuckDBValue(argument).withRaw { duckdb_replacement_scan_add_parameter(info, $0) }
        } catch {
            duckdb_replacement_scan_set_error(info, "\(error)")
            return
        }
    }
}

private func releaseReplacementScanBox(_ data: UnsafeMutableRawPointer?) {
    guard let data else { return }
    Unmanaged<ReplacementScanBox>.fromOpaque(data).release()
}
