/// Why the SQL sandbox refused a query. `description` is a message for the analyst who wrote it.
public enum SandboxError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing but whitespace, comments or semicolons.
    case empty
    /// More than one statement (`count` of them); only one may run at a time.
    case multipleStatements(count: Int)
    /// A statement other than a query (DDL, DML, COPY, ATTACH, SET, PRAGMA, INSTALL, …), alone or with others.
    case notASelect
    /// DuckDB's parser refused the text; `message` is its own explanation.
    case syntaxError(message: String)
    /// A table or view the analyst may not read, another database or schema, or a file or URL.
    case accessDenied(table: String)
    /// A table function outside the allow-list (`read_csv`, `glob`, `query`, `duckdb_tables`, …).
    case tableFunctionNotAllowed(name: String)
    /// A scalar function that reveals the server's environment, settings or catalogue (`getenv`, `current_setting`, …).
    case functionNotAllowed(name: String)
    /// `SHOW TABLES`, `SHOW DATABASES`, `DESCRIBE` without a table and other catalogue listings.
    case catalogListingNotAllowed
    /// `$1`, `?` or `$name` placeholders: queries run without parameters.
    case parametersNotAllowed
    /// A part of the parse tree the sandbox does not know; `construct` names it.
    case unsupported(construct: String)
    /// The query is nested too deeply to be checked.
    case tooComplex
    /// The parser could not be run at all (a server problem, not the query's fault).
    case parserUnavailable(message: String)

    public var description: String {
        switch self {
        case .empty:
            return "The query is empty."
        case .multipleStatements(let count):
            return "Only one statement at a time is allowed, but the text holds \(count). Send them one by one."
        case .notASelect:
            return "Only single SELECT queries are allowed (no CREATE, INSERT, UPDATE, DELETE, COPY, ATTACH, SET, PRAGMA, "
                + "INSTALL or other statements, and no extra statements after the query)."
        case .syntaxError(let message):
            return "The query could not be parsed: \(message)"
        case .accessDenied(let table):
            return "Access denied to table '\(table)'. Query only the tables listed in your catalogue, without a "
                + "database or schema prefix other than main."
        case .tableFunctionNotAllowed(let name):
            return "The table function '\(name)' is not allowed. Files, URLs and the system catalogue cannot be read "
                + "from queries; use the tables in your catalogue."
        case .functionNotAllowed(let name):
            return "The function '\(name)' is not allowed in queries."
        case .catalogListingNotAllowed:
            return "Listing tables, schemas or databases is not allowed here; DESCRIBE or SUMMARIZE a table you may "
                + "read instead (e.g. DESCRIBE orders), or look at your catalogue."
        case .parametersNotAllowed:
            return "Query parameters ($1, ?, $name) are not supported; write the values into the query."
        case .unsupported(let construct):
            return "The query uses \(construct), which the query sandbox does not allow."
        case .tooComplex:
            return "The query is nested too deeply to be checked; simplify it."
        case .parserUnavailable(let message):
            return "The query could not be checked because the SQL parser failed: \(message)"
        }
    }
}
