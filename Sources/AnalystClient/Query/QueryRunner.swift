import AnalystAPI
import DuckDB
import Foundation
import NIOHTTP1

/// Runs `da query`: on the local DuckDB of the workspace (read-only), or on the server (`POST /api/query`).
public struct QueryRunner: Sendable {
    /// The workspace whose database local queries run on.
    public let workspace: Workspace

    /// A runner for `workspace` (and the server, for `remote`).
    public init(workspace: Workspace) {
        self.workspace = workspace
    }

    /// Runs `sql` on the local database, keeping at most `limit` rows. Blocking (DuckDB); the CLI runs it on its own
    /// thread.
    public func local(_ sql: String, limit: Int) throws -> ResultTable {
        let connection = try workspace.openDatabaseReadOnly()
        do {
            return try QueryRunner.table(connection.query(sql), limit: limit)
        } catch let error as DuckDBError {
            throw ClientError.local("Query error: \(error.description)")
        }
    }

    /// The first `limit` rows of `result` (text and JSON forms).
    static func table(_ result: QueryResult, limit: Int) throws -> ResultTable {
        var rows: [[String?]] = []
        var literals: [[String]] = []
        var truncated = false
        chunks: while let chunk = try result.nextChunk() {
            for row in 0..<chunk.count {
                guard rows.count < limit else {
                    truncated = true
                    break chunks
                }
                let values = chunk.row(row)
                rows.append(values.map { $0.isNull ? nil : QueryRunner.text($0) })
                literals.append(values.map(QueryRunner.literal))
            }
        }
        return ResultTable(columns: result.columns.map(\.name), rows: rows, truncated: truncated, literals: literals)
    }

    /// Runs `sql` on the server through the sandboxed query API (`POST /api/query`).
    public func remote(_ sql: String, limit: Int, client: APIClient) async throws -> ResultTable {
        let answer = try await client.send(
            .POST, "/api/query", body: Schemas.QueryRequest(sql: sql, limit: limit), as: Schemas.QueryResult.self)
        let fractional = answer.types.map(QueryRunner.isFractional)
        let values = answer.rows.map { row in row.map { JSONValue(any: $0.value) } }
        let rows = values.map { row in
            row.enumerated().map { column, value -> String? in
                // A fraction the JSON reader took for a whole number (`2.00`) still reads as one: `2.0`.
                if case .integer(let whole) = value, column < fractional.count, fractional[column] { return "\(Double(whole))" }
                return value.text
            }
        }
        return ResultTable(columns: answer.columns, rows: rows, truncated: answer.truncated, literals: values.map { $0.map(\.literal) })
    }

    /// Whether a column of DuckDB type `type` holds fractions (`DOUBLE`, `FLOAT`, `DECIMAL(18,2)`, not `DECIMAL(18,0)`).
    static func isFractional(_ type: String) -> Bool {
        let name = type.uppercased()
        if ["DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8"].contains(name) { return true }
        guard name.hasPrefix("DECIMAL") || name.hasPrefix("NUMERIC") else { return false }
        return !name.hasSuffix(",0)")
    }

    /// A DuckDB value as text, mapped as the server's query API maps it (so local and remote results read alike):
    /// what JSON writes as a string is shown without quotes, everything else in its JSON form.
    static func text(_ value: Value) -> String {
        if let text = value.stringValue { return text }
        var json = ""
        QueryResultJSON.append(value, to: &json)
        if json.hasPrefix("\""), let unquoted = try? JSONDecoder().decode(String.self, from: Data(json.utf8)) { return unquoted }
        return json
    }

    /// A DuckDB value as a JSON literal, mapped as the server's query API maps it.
    static func literal(_ value: Value) -> String {
        var json = ""
        QueryResultJSON.append(value, to: &json)
        return json
    }
}
