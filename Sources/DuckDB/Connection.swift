import CDuckDB
import Synchronization

/// One DuckDB connection: runs statements, prepares them, creates appenders.
///
/// Not `Sendable`: a connection is confined to the thread that uses it (the `ConnectionPool` gives each of
/// its connections a thread of its own). Only `interrupter` may be handed to other threads. The connection
/// keeps its `Database` alive; results and statements keep their connection alive.
public final class Connection {
    /// The database this connection belongs to.
    public let database: Database
    let handle: ConnectionHandle
    /// Statements kept by `cachedStatement(_:)`, most recently used last.
    private var statementCache: [(sql: String, statement: PreparedStatement)] = []

    init(database: Database) throws {
        self.database = database
        var connection: duckdb_connection?
        guard duckdb_connect(database.handle, &connection) == DuckDBSuccess, let connection else {
            throw DuckDBError.connectFailed(message: "duckdb_connect failed for \(database.path ?? ":memory:")")
        }
        self.handle = ConnectionHandle(connection)
    }

    /// A handle that stops this connection's running query from any thread.
    public var interrupter: Interrupter { Interrupter(handle: handle) }

    /// Runs one or more statements that return nothing of interest (DDL, `SET`, `ATTACH`, `INSERT` …).
    public func execute(_ sql: String) throws {
        try handle.checkNotInterrupted()
        var result = duckdb_result()
        defer { duckdb_destroy_result(&result) }
        if duckdb_query(handle.raw, sql, &result) != DuckDBSuccess {
            throw DuckDBError(result: &result)
        }
    }

    /// Prepares one statement; `?` or `$1` mark parameters.
    public func prepare(_ sql: String) throws -> PreparedStatement {
        try handle.checkNotInterrupted()
        return try PreparedStatement(connection: self, sql: sql)
    }

    /// How many prepared statements `cachedStatement(_:)` keeps per connection.
    public static let statementCacheCapacity = 32

    /// A prepared statement for `sql` (without bindings), prepared once and reused while it is among the
    /// `statementCacheCapacity` most recently used ones, which saves parsing, binding and planning it again.
    ///
    /// Only for databases whose catalogue does not change under the connection (a read-only query epoch): a kept
    /// statement keeps the plan it was prepared with. A cached statement keeps this connection alive, so call
    /// `removeCachedStatements()` before letting go of a connection that used the cache.
    public func cachedStatement(_ sql: String) throws -> PreparedStatement {
        if let index = statementCache.lastIndex(where: { $0.sql == sql }) {
            let entry = statementCache.remove(at: index)
            statementCache.append(entry)
            entry.statement.clearBindings()
            return entry.statement
        }
        let statement = try prepare(sql)
        if statementCache.count >= Self.statementCacheCapacity { statementCache.removeFirst() }
        statementCache.append((sql, statement))
        return statement
    }

    /// Drops the statement kept for `sql`, if any (e.g. after it failed).
    public func removeCachedStatement(_ sql: String) {
        statementCache.removeAll { $0.sql == sql }
    }

    /// Drops every kept statement, releasing their hold on this connection.
    public func removeCachedStatements() {
        statementCache.removeAll()
    }

    /// How many statements `cachedStatement(_:)` keeps right now.
    public var cachedStatementCount: Int { statementCache.count }

    /// Runs one statement with parameters and returns its result, streamed chunk by chunk.
    ///
    /// The result must be read (or dropped) before the next statement runs on this connection.
    public func query(_ sql: String, _ parameters: [Value] = []) throws -> QueryResult {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        return try statement.execute()
    }

    /// Runs one statement with parameters and returns how many rows it changed.
    @discardableResult
    public func run(_ sql: String, _ parameters: [Value] = []) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        return try statement.run()
    }

    /// Runs `body` inside `BEGIN … COMMIT`; any error rolls the transaction back and is rethrown.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN TRANSACTION")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Creates an appender that bulk-inserts rows into `table` (in `schema`, default `main`).
    public func appender(table: String, schema: String? = nil) throws -> Appender {
        try Appender(connection: self, schema: schema, table: table)
    }
}

@available(*, unavailable)
extension Connection: Sendable {}

/// Stops the query running on one connection; safe to use from any thread.
public struct Interrupter: Sendable {
    let handle: ConnectionHandle

    /// Interrupts the running statement (it fails with an `INTERRUPT` error) and makes the connection refuse
    /// new statements until `ConnectionHandle.clearInterrupt()` (the pool does that between jobs).
    public func interrupt() {
        handle.interrupt()
    }
}

/// Owns the C connection handle and closes it when the last owner (the `Connection` or an `Interrupter`)
/// lets go.
///
/// `@unchecked Sendable`: the only cross-thread operations are `interrupt()` (`duckdb_interrupt` is
/// documented as callable from another thread) and the atomic flag; everything else is used by the owning
/// `Connection`'s thread only.
final class ConnectionHandle: @unchecked Sendable {
    let raw: duckdb_connection
    private let interruptRequested = Atomic<Bool>(false)

    init(_ raw: duckdb_connection) {
        self.raw = raw
    }

    deinit {
        var toClose: duckdb_connection? = raw
        duckdb_disconnect(&toClose)
    }

    func interrupt() {
        interruptRequested.store(true, ordering: .sequentiallyConsistent)
        duckdb_interrupt(raw)
    }

    /// DuckDB clears its own interrupt flag when the next statement starts, so an interrupt that lands between
    /// two statements of one job would be lost; this flag makes every later statement of the job fail too.
    func checkNotInterrupted() throws {
        if interruptRequested.load(ordering: .sequentiallyConsistent) {
            throw DuckDBError.interrupted
        }
    }

    func clearInterrupt() {
        interruptRequested.store(false, ordering: .sequentiallyConsistent)
    }
}

extension DuckDBError {
    /// Reads the error of a failed `duckdb_result`.
    init(result: inout duckdb_result) {
        let message = duckdb_result_error(&result).map { String(cString: $0) } ?? "unknown DuckDB error"
        let kind = ErrorKind(duckdb_result_error_type(&result))
        self = kind == .interrupt ? .interrupted : .statementFailed(message: message, kind: kind)
    }
}
