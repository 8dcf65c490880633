import CDuckDB

/// Everything that can go wrong in the DuckDB binding. `message` carries DuckDB's own words where it gave any.
public enum DuckDBError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database file could not be opened (or a configuration option was refused).
    case openFailed(path: String, message: String)
    /// A connection could not be created.
    case connectFailed(message: String)
    /// DuckDB refused or failed a statement; `kind` is DuckDB's error class (e.g. `Parser`, `Catalog`).
    case statementFailed(message: String, kind: ErrorKind)
    /// A parameter could not be bound.
    case bindFailed(index: Int, message: String)
    /// The appender refused a value or a row.
    case appenderFailed(message: String)
    /// The running query was interrupted (`Interrupter.interrupt()`).
    case interrupted
    /// The pool gave up on a call that took longer than its timeout.
    case timedOut(seconds: Double)
    /// The connection pool is shut down and takes no more work.
    case poolShutDown
    /// A value of this kind cannot be sent to DuckDB (for example an unsupported type).
    case unsupportedValue(String)

    /// DuckDB's error classes, as reported by `duckdb_result_error_type`.
    public enum ErrorKind: String, Sendable {
        case invalid, outOfRange, conversion, unknownType, decimal, mismatchType, divideByZero, objectSize,
            invalidType, serialization, transaction, notImplemented, expression, catalog, parser, planner,
            scheduler, executor, constraint, index, stat, connection, syntax, settings, binder, network,
            optimizer, nullPointer, io, interrupt, fatal, `internal`, invalidInput, outOfMemory, permission,
            parameterNotResolved, parameterNotAllowed, dependency, http, missingExtension, autoload, sequence,
            invalidConfiguration

        init(_ type: duckdb_error_type) {
            let all: [ErrorKind] = [
                .invalid, .outOfRange, .conversion, .unknownType, .decimal, .mismatchType, .divideByZero,
                .objectSize, .invalidType, .serialization, .transaction, .notImplemented, .expression, .catalog,
                .parser, .planner, .scheduler, .executor, .constraint, .index, .stat, .connection, .syntax,
                .settings, .binder, .network, .optimizer, .nullPointer, .io, .interrupt, .fatal, .internal,
                .invalidInput, .outOfMemory, .permission, .parameterNotResolved, .parameterNotAllowed,
                .dependency, .http, .missingExtension, .autoload, .sequence, .invalidConfiguration,
            ]
            let raw = Int(type.rawValue)
            self = raw >= 0 && raw < all.count ? all[raw] : .invalid
        }
    }

    /// A human-readable message; for statement failures exactly DuckDB's.
    public var message: String {
        switch self {
        case .openFailed(let path, let message): return "cannot open database \(path): \(message)"
        case .connectFailed(let message): return "cannot connect: \(message)"
        case .statementFailed(let message, _): return message
        case .bindFailed(let index, let message): return "cannot bind parameter \(index): \(message)"
        case .appenderFailed(let message): return message
        case .interrupted: return "INTERRUPT Error: the query was interrupted"
        case .timedOut(let seconds): return "the query did not finish within \(seconds) s and was interrupted"
        case .poolShutDown: return "the connection pool is shut down"
        case .unsupportedValue(let message): return message
        }
    }

    public var description: String { message }

    /// A statement refused by a PRIMARY KEY, UNIQUE, NOT NULL, CHECK or foreign key constraint (DuckDB's error
    /// class, not its wording).
    public var isConstraintViolation: Bool {
        if case .statementFailed(_, .constraint) = self { return true }
        return false
    }
}
