import CDuckDB
import Foundation

/// A prepared statement: bind parameters (1-based), then `execute()` (streamed rows) or `run()` (rows changed).
///
/// Not `Sendable`; keeps its connection alive. Bindings stay until rebound or `clearBindings()`.
public final class PreparedStatement {
    let connection: Connection
    private var handle: duckdb_prepared_statement?

    init(connection: Connection, sql: String) throws {
        self.connection = connection
        var statement: duckdb_prepared_statement?
        if duckdb_prepare(connection.handle.raw, sql, &statement) != DuckDBSuccess {
            let message = statement.flatMap { duckdb_prepare_error($0) }.map { String(cString: $0) }
            duckdb_destroy_prepare(&statement)
            throw DuckDBError(message: message, otherwise: "cannot prepare statement")
        }
        self.handle = statement
    }

    deinit {
        duckdb_destroy_prepare(&handle)
    }

    /// How many parameters the statement takes.
    public var parameterCount: Int {
        Int(duckdb_nparams(handle))
    }

    /// What kind of statement this is (SELECT, INSERT, CREATE, …).
    public var statementType: StatementType {
        StatementType(duckdb_prepared_statement_type(handle))
    }

    /// Binds `value` to the 1-based parameter `index`.
    public func bind(_ value: Value, at index: Int) throws {
        guard index >= 1, index <= parameterCount else {
            throw DuckDBError.bindFailed(index: index, message: "the statement has \(parameterCount) parameter(s)")
        }
        let state: duckdb_state
        let position = UInt64(index)
        switch value {
        case .null: state = duckdb_bind_null(handle, position)
        case .boolean(let v): state = duckdb_bind_boolean(handle, position, v)
        case .integer(let v): state = duckdb_bind_int32(handle, position, v)
        case .bigint(let v): state = duckdb_bind_int64(handle, position, v)
        case .double(let v): state = duckdb_bind_double(handle, position, v)
        case .varchar(let v), .enumeration(let v):
            state =
                v.utf8.withContiguousStorageIfAvailable { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        duckdb_bind_varchar_length(handle, position, $0.baseAddress, UInt64($0.count))
                    }
                } ?? duckdb_bind_varchar(handle, position, v)
        default:
            let owned = try DuckDBValue(value)
            state = owned.withRaw { duckdb_bind_value(handle, position, $0) }
        }
        if state != DuckDBSuccess {
            throw DuckDBError.bindFailed(index: index, message: "DuckDB refused \(value) for this parameter")
        }
    }

    /// Binds `values` to parameters 1…n; their count must match the statement's.
    public func bind(_ values: [Value]) throws {
        guard values.count == parameterCount else {
            throw DuckDBError.bindFailed(
                index: values.count, message: "expected \(parameterCount) parameter(s), got \(values.count)")
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: offset + 1)
        }
    }

    /// Forgets every bound parameter.
    public func clearBindings() {
        _ = duckdb_clear_bindings(handle)
    }

    /// Executes with the current bindings and streams the result.
    public func execute() throws -> QueryResult {
        let result = try executePending(streaming: true)
        return QueryResult(result: result, owner: self, connection: connection.handle)
    }

    /// Executes with the current bindings and returns how many rows changed (0 for queries).
    @discardableResult
    public func run() throws -> Int {
        var result = try executePending(streaming: false)
        defer { duckdb_destroy_result(&result) }
        return Int(duckdb_rows_changed(&result))
    }

    /// Runs the statement so that an interrupt is never lost.
    ///
    /// DuckDB clears its own interrupt flag when a query starts, so an interrupt that lands just before would be
    /// lost and the query would run to its end. Checking our flag once the query has started (the pending result
    /// exists) closes that window: from then on `duckdb_interrupt` reaches the running query. The query then runs
    /// with DuckDB's own scheduling (no polling between tasks, which cost milliseconds on parallel queries).
    private func executePending(streaming: Bool) throws -> duckdb_result {
        let interruptible = connection.handle
        try interruptible.checkNotInterrupted()
        var pending: duckdb_pending_result?
        defer { duckdb_destroy_pending(&pending) }
        let state =
            streaming
            ? duckdb_pending_prepared_streaming(handle, &pending) : duckdb_pending_prepared(handle, &pending)
        if state != DuckDBSuccess {
            let message = pending.flatMap { duckdb_pending_error($0) }.map { String(cString: $0) }
            throw DuckDBError(message: message, otherwise: "cannot execute statement")
        }
        try interruptible.checkNotInterrupted()
        var result = duckdb_result()
        if duckdb_execute_pending(pending, &result) != DuckDBSuccess {
            defer { duckdb_destroy_result(&result) }
            throw DuckDBError(result: &result)
        }
        return result
    }
}

@available(*, unavailable)
extension PreparedStatement: Sendable {}

/// DuckDB's statement kinds (`duckdb_statement_type`), named after the SQL that produces them.
public enum StatementType: Sendable, Hashable {
    case select, insert, update, delete, explain, prepare, create, execute, alter, transaction, copy, analyze,
        variableSet, createFunction, drop, export, pragma, vacuum, call, set, load, relation, `extension`,
        logicalPlan, attach, detach, multi, copyDatabase, updateExtensions, mergeInto, invalid

    init(_ type: duckdb_statement_type) {
        let all: [StatementType] = [
            .invalid, .select, .insert, .update, .explain, .delete, .prepare, .create, .execute, .alter,
            .transaction, .copy, .analyze, .variableSet, .createFunction, .drop, .export, .pragma, .vacuum, .call,
            .set, .load, .relation, .`extension`, .logicalPlan, .attach, .detach, .multi, .copyDatabase,
            .updateExtensions, .mergeInto,
        ]
        let raw = Int(type.rawValue)
        self = raw >= 0 && raw < all.count ? all[raw] : .invalid
    }
}

extension DuckDBError {
    /// An error DuckDB gave as text only (prepare, pending). An interrupt is `.interrupted`, as it is from a
    /// result, so that a cancelled or timed-out call is recognised whichever step the interrupt hit.
    init(message: String?, otherwise fallback: String) {
        let kind = DuckDBError.kind(ofMessage: message)
        self = kind == .interrupt ? .interrupted : .statementFailed(message: message ?? fallback, kind: kind)
    }

    /// Prepare and pending errors come as text only; DuckDB starts them with their class ("Parser Error: …").
    static func kind(ofMessage message: String?) -> ErrorKind {
        guard let message, let range = message.range(of: " Error:") else { return .invalid }
        let prefix = message[..<range.lowerBound].lowercased().replacingOccurrences(of: " ", with: "")
        return ErrorKind.allByLowercasedName[prefix] ?? .invalid
    }
}

extension DuckDBError.ErrorKind {
    static let allByLowercasedName: [String: DuckDBError.ErrorKind] = {
        let kinds: [DuckDBError.ErrorKind] = [
            .outOfRange, .conversion, .unknownType, .decimal, .mismatchType, .divideByZero, .objectSize,
            .invalidType, .serialization, .transaction, .notImplemented, .expression, .catalog, .parser, .planner,
            .scheduler, .executor, .constraint, .index, .stat, .connection, .syntax, .settings, .binder, .network,
            .optimizer, .nullPointer, .io, .interrupt, .fatal, .internal, .invalidInput, .outOfMemory, .permission,
            .dependency, .http, .missingExtension, .autoload, .sequence,
        ]
        return Dictionary(uniqueKeysWithValues: kinds.map { ($0.rawValue.lowercased(), $0) })
    }()
}
