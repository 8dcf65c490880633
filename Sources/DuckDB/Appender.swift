import CDuckDB

/// Bulk-inserts rows into one table, much faster than INSERT statements. Rows become visible on `flush()`
/// or `close()` (closing also happens when the appender is released).
///
/// Not `Sendable`; keeps its connection alive.
public final class Appender {
    private let connection: Connection
    private var handle: duckdb_appender?

    init(connection: Connection, schema: String?, table: String) throws {
        self.connection = connection
        var appender: duckdb_appender?
        let state = duckdb_appender_create(connection.handle.raw, schema, table, &appender)
        self.handle = appender
        if state != DuckDBSuccess {
            let message = Appender.errorMessage(appender) ?? "cannot append to \(table)"
            duckdb_appender_destroy(&handle)
            throw DuckDBError.appenderFailed(message: message)
        }
    }

    deinit {
        duckdb_appender_destroy(&handle)
    }

    /// Appends one value to the current row; columns are filled left to right.
    public func append(_ value: Value) throws {
        let state: duckdb_state
        switch value {
        case .null: state = duckdb_append_null(handle)
        case .boolean(let v): state = duckdb_append_bool(handle, v)
        case .integer(let v): state = duckdb_append_int32(handle, v)
        case .bigint(let v): state = duckdb_append_int64(handle, v)
        case .double(let v): state = duckdb_append_double(handle, v)
        case .varchar(let v): state = duckdb_append_varchar_length(handle, v, UInt64(v.utf8.count))
        default:
            let owned = try DuckDBValue(value)
            state = owned.withRaw { duckdb_append_value(handle, $0) }
        }
        try check(state)
    }

    /// Appends a whole row and ends it.
    public func append(row: [Value]) throws {
        for value in row {
            try append(value)
        }
        try endRow()
    }

    /// Finishes the current row; every column must have received a value.
    public func endRow() throws {
        try check(duckdb_appender_end_row(handle))
    }

    /// Writes the buffered rows to the table.
    public func flush() throws {
        try check(duckdb_appender_flush(handle))
    }

    /// Flushes and closes; the appender takes no more rows.
    public func close() throws {
        try check(duckdb_appender_close(handle))
    }

    private func check(_ state: duckdb_state) throws {
        if state != DuckDBSuccess {
            throw DuckDBError.appenderFailed(message: Appender.errorMessage(handle) ?? "the appender failed")
        }
    }

    private static func errorMessage(_ appender: duckdb_appender?) -> String? {
        guard let appender else { return nil }
        var error: duckdb_error_data? = duckdb_appender_error_data(appender)
        defer { duckdb_destroy_error_data(&error) }
        guard let error, duckdb_error_data_has_error(error) else { return nil }
        return duckdb_error_data_message(error).map { String(cString: $0) }
    }
}

@available(*, unavailable)
extension Appender: Sendable {}
