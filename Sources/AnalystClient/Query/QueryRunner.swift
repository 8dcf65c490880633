import DuckDB
import Foundation
import NIOHTTP1

/// Runs `da query`: on the local DuckDB of the workspace (read-only), or on the server (`POST /api/query`).
public struct QueryRunner: Sendable {
    public let workspace: Workspace

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

    /// Runs `sql` on the server through the sandboxed query API.
    public func remote(_ sql: String, limit: Int, client: APIClient) async throws -> ResultTable {
        let answer = try await client.object(.POST, "/api/query", json: ["sql": sql, "limit": limit])
        let columns = answer["columns"] as? [String] ?? []
        let values = answer["rows"] as? [[Any]] ?? []
        let rows = values.map { row in row.map(QueryRunner.text(json:)) }
        let literals = values.map { row in
            row.map { value in
                (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "null"
            }
        }
        return ResultTable(columns: columns, rows: rows, truncated: answer["truncated"] as? Bool ?? false, literals: literals)
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

    /// A JSON value from the server as text (`nil` for null; nested values as JSON).
    static func text(json value: Any) -> String? {
        switch value {
        case is NSNull: return nil
        case let text as String: return text
        case let number as NSNumber:
            // Foundation decodes JSON booleans as a distinct NSNumber subclass.
            return String(describing: type(of: number)).contains("Boolean") ? (number.boolValue ? "true" : "false") : number.stringValue
        default:
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
