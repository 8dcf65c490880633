import CDuckDB

/// The result of one statement, read chunk by chunk (at most 2,048 rows each) without holding it all in memory.
///
/// Not `Sendable`: it belongs to the connection's thread, and must be read to the end (or dropped) before the
/// connection runs its next statement. It keeps its statement and connection alive.
public final class QueryResult {
    /// Name and type of each column, in order.
    public let columns: [Column]
    private var result: duckdb_result
    private let owner: AnyObject
    private let connection: ConnectionHandle
    private var finished = false

    /// A result column: its name and DuckDB type.
    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: LogicalType
    }

    init(result: duckdb_result, owner: AnyObject, connection: ConnectionHandle) {
        self.result = result
        self.owner = owner
        self.connection = connection
        var columns: [Column] = []
        let count = duckdb_column_count(&self.result)
        for index in 0..<count {
            let name = duckdb_column_name(&self.result, index).map { String(cString: $0) } ?? "column\(index)"
            let type = LogicalType.withOwned(duckdb_column_logical_type(&self.result, index))
            columns.append(Column(name: name, type: type))
        }
        self.columns = columns
    }

    deinit {
        duckdb_destroy_result(&result)
    }

    /// The next chunk of rows, or `nil` at the end. Throws if the query fails (or is interrupted) while streaming.
    public func nextChunk() throws -> DataChunk? {
        guard !finished else { return nil }
        try connection.checkNotInterrupted()
        if let chunk = duckdb_fetch_chunk(result) {
            return DataChunk(chunk, columns: columns)
        }
        finished = true
        if duckdb_result_error(&result) != nil {
            throw DuckDBError(result: &result)
        }
        return nil
    }

    /// Reads every remaining row as values; stops after `limit` rows when given.
    public func rows(limit: Int? = nil) throws -> [[Value]] {
        var rows: [[Value]] = []
        while let chunk = try nextChunk() {
            for row in 0..<chunk.count {
                if let limit, rows.count >= limit { return rows }
                rows.append(chunk.row(row))
            }
        }
        return rows
    }

    /// The first column of the first row, or `nil` when there is no row.
    public func scalar() throws -> Value? {
        guard let chunk = try nextChunk(), chunk.count > 0 else { return nil }
        return chunk.value(column: 0, row: 0)
    }
}

@available(*, unavailable)
extension QueryResult: Sendable {}

/// A block of rows of a result. Read typed columns for speed (`int64s`, `doubles`, `strings`) or `Value`s.
public final class DataChunk {
    /// Rows in this chunk.
    public let count: Int
    private var chunk: duckdb_data_chunk?
    private let readers: [VectorReader]

    init(_ chunk: duckdb_data_chunk, columns: [QueryResult.Column]) {
        self.chunk = chunk
        self.count = Int(duckdb_data_chunk_get_size(chunk))
        self.readers = columns.enumerated().map { index, column in
            VectorReader(vector: duckdb_data_chunk_get_vector(chunk, UInt64(index)), type: column.type)
        }
    }

    deinit {
        duckdb_destroy_data_chunk(&chunk)
    }

    /// One cell as a `Value`.
    public func value(column: Int, row: Int) -> Value {
        readers[column].value(row)
    }

    /// One row as values.
    public func row(_ row: Int) -> [Value] {
        readers.map { $0.value(row) }
    }

    /// Whether a cell is NULL.
    public func isNull(column: Int, row: Int) -> Bool {
        !readers[column].isValid(row)
    }

    /// A BIGINT (or smaller signed integer) column without boxing; NULL cells read as `nil`.
    public func int64s(column: Int) -> [Int64?] {
        let reader = readers[column]
        switch reader.type.id {
        case DUCKDB_TYPE_BIGINT.rawValue:
            return (0..<count).map { reader.isValid($0) ? reader.load($0, as: Int64.self) : nil }
        case DUCKDB_TYPE_INTEGER.rawValue:
            return (0..<count).map { reader.isValid($0) ? Int64(reader.load($0, as: Int32.self)) : nil }
        case DUCKDB_TYPE_SMALLINT.rawValue:
            return (0..<count).map { reader.isValid($0) ? Int64(reader.load($0, as: Int16.self)) : nil }
        case DUCKDB_TYPE_TINYINT.rawValue:
            return (0..<count).map { reader.isValid($0) ? Int64(reader.load($0, as: Int8.self)) : nil }
        default:
            return (0..<count).map { _ in nil }
        }
    }

    /// Calls `body` with the raw BIGINT buffer of a column (no copy); check `isNull` for NULL cells.
    public func withInt64Buffer<T>(column: Int, _ body: (UnsafeBufferPointer<Int64>) throws -> T) rethrows -> T? {
        let reader = readers[column]
        guard reader.type.id == DUCKDB_TYPE_BIGINT.rawValue, let data = reader.data else { return nil }
        return try body(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Int64.self), count: count))
    }

    /// A DOUBLE column; NULL cells read as `nil`.
    public func doubles(column: Int) -> [Double?] {
        let reader = readers[column]
        guard reader.type.id == DUCKDB_TYPE_DOUBLE.rawValue else { return (0..<count).map { _ in nil } }
        return (0..<count).map { reader.isValid($0) ? reader.load($0, as: Double.self) : nil }
    }

    /// A VARCHAR column; NULL cells read as `nil`.
    public func strings(column: Int) -> [String?] {
        let reader = readers[column]
        guard reader.type.id == DUCKDB_TYPE_VARCHAR.rawValue else { return (0..<count).map { _ in nil } }
        return (0..<count).map { reader.isValid($0) ? reader.string($0) : nil }
    }
}

@available(*, unavailable)
extension DataChunk: Sendable {}
