import DuckDB
import Foundation

/// Decides whether an analyst's SQL may run, using DuckDB's own parser rather than a word list.
///
/// The text must hold exactly one SELECT statement (which includes `FROM`-first queries, `PIVOT`/`UNPIVOT`, and
/// `DESCRIBE`/`SUMMARIZE` of a table). Its parse tree, from `json_serialize_sql`, is walked to the last node and
/// everything not known to be harmless is refused: unknown node types, tables other than the readable views of
/// the current database (files, URLs, attached databases and system schemas included), table functions outside
/// `allowedTableFunctions`, functions that reveal the server's environment, and catalogue listings.
///
/// The sandbox is one layer: queries should still run on a connection with external access disabled, a locked
/// configuration, a row cap and a timeout.
public struct SQLSandbox: Sendable {
    /// Table functions that only generate values: `range`, `generate_series`, `unnest`.
    public static let defaultTableFunctions: Set<String> = ["range", "generate_series", "unnest"]

    /// The lower-cased table functions a query may use in `FROM`.
    public let allowedTableFunctions: Set<String>

    /// Accepted statements' parse results, so that a statement run again is not parsed again.
    let cache: SandboxAnalysisCache

    /// Creates a sandbox that allows `allowedTableFunctions` (names are compared in lower case) and remembers
    /// the parse results of up to `cacheCapacity` accepted statements (0 turns that off).
    public init(allowedTableFunctions: Set<String> = SQLSandbox.defaultTableFunctions, cacheCapacity: Int = 512) {
        self.allowedTableFunctions = Set(allowedTableFunctions.map { SandboxRules.foldCase($0) })
        self.cache = SandboxAnalysisCache(capacity: cacheCapacity)
    }

    /// Parses `sql` with `connection` (nothing of it is executed) and checks it.
    ///
    /// `canRead` is asked about every table the query names that is not one of its own CTEs; it gets the name
    /// with ASCII letters lower-cased (as DuckDB compares names) and must answer `true` only for views the
    /// analyst may read. Runs on the connection's thread, like any other use of `connection`. The parse of a
    /// statement accepted before is reused; `canRead` is asked every time.
    public func check(
        _ sql: String, using connection: Connection, canRead: (String) -> Bool
    ) throws(SandboxError) -> SandboxedQuery {
        let statement = Self.trimmed(sql)
        guard !statement.isEmpty else { throw .empty }
        // The text is bound with its length here, but may later be run as a C string that ends at a NUL.
        guard !statement.unicodeScalars.contains("\0") else {
            throw .syntaxError(message: "the query contains a NUL character")
        }
        let key = SandboxAnalysisCache.Key(database: connection.database.path, statement: statement)
        let analysis: SandboxAnalysis
        if let cached = cache.analysis(for: key) {
            analysis = cached
        } else {
            analysis = try analyse(statement, using: connection)
            cache.store(analysis, for: key)
        }

        var tables: Set<String> = []
        for reference in analysis.tableReferences {
            let catalog = SandboxRules.foldCase(reference.catalog)
            let schema = SandboxRules.foldCase(reference.schema)
            let name = SandboxRules.foldCase(reference.name)
            // A name that is not an identifier is a file path or URL to DuckDB's replacement scans: refused for
            // every caller, admins included, before anyone is asked whether they may read it.
            guard catalog.isEmpty || catalog == analysis.currentDatabase, schema.isEmpty || schema == "main",
                Identifier.isValid(name), canRead(name)
            else {
                throw .accessDenied(table: reference.displayName)
            }
            tables.insert(name)
        }
        return SandboxedQuery(sql: statement, tables: tables)
    }

    /// Parses one trimmed statement and walks its tree: the tables it names, or the reason it is refused.
    private func analyse(_ statement: String, using connection: Connection) throws(SandboxError) -> SandboxAnalysis {
        let (tree, currentDatabase) = try Self.parse(statement, using: connection)
        if tree["error"] == .bool(true) {
            throw Self.parserRefusal(tree)
        }
        guard let statements = tree["statements"]?.elements else {
            throw .parserUnavailable(message: "json_serialize_sql returned no statements")
        }
        guard statements.count <= 1 else { throw .multipleStatements(count: statements.count) }
        guard let only = statements.first else { throw .empty }

        var walker = ParseTreeWalker(allowedTableFunctions: allowedTableFunctions)
        try walker.visit(only, scope: [], depth: 0)
        return SandboxAnalysis(tableReferences: walker.tableReferences, currentDatabase: currentDatabase)
    }

    /// `sql` without surrounding whitespace and trailing semicolons, so that it is exactly one statement.
    static func trimmed(_ sql: String) -> String {
        var text = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(";") {
            text.removeLast()
            text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return text
    }

    /// Runs DuckDB's parser on `statement` (bound as a parameter, never spliced into SQL) and reads the name of
    /// the connection's current database, lower-cased.
    private static func parse(
        _ statement: String, using connection: Connection
    ) throws(SandboxError) -> (ParseTree, String) {
        let row: [Value]
        do {
            let rows = try connection.query(
                "SELECT json_serialize_sql(?::VARCHAR), current_database()", [.varchar(statement)]
            ).rows()
            guard let first = rows.first else { throw SandboxError.parserUnavailable(message: "no result") }
            row = first
        } catch let error as SandboxError {
            throw error
        } catch let error as DuckDBError {
            throw .parserUnavailable(message: error.message)
        } catch {
            throw .parserUnavailable(message: String(describing: error))
        }
        guard row.count == 2, let json = row[0].stringValue, let database = row[1].stringValue else {
            throw .parserUnavailable(message: "unexpected result from json_serialize_sql")
        }
        do {
            return (try ParseTree.parse(json), SandboxRules.foldCase(database))
        } catch .tooDeep {
            throw .tooComplex
        } catch {
            throw .parserUnavailable(message: "json_serialize_sql returned text that is not JSON")
        }
    }

    /// The error for a text the serializer refused: a syntax error, or a statement that is not a SELECT.
    private static func parserRefusal(_ tree: ParseTree) -> SandboxError {
        let message = tree["error_message"]?.string ?? "unknown error"
        switch tree["error_type"]?.string {
        case "parser":
            return .syntaxError(message: message)
        case "not implemented" where message.contains("Only SELECT statements"):
            return .notASelect
        default:
            return .unsupported(construct: "a form DuckDB cannot serialize (\(message))")
        }
    }
}
