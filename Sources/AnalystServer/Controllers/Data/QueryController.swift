import AnalystAPI
import AnalystCore
import DuckDB
import Foundation
import Hummingbird

/// `POST /api/query` (any user): one sandboxed SELECT over the views the caller may read (reference §1.5 shape plus
/// `types`). The sandbox is DuckDB's own parser; the query runs on a read-only connection with a row cap and a time
/// limit, and is interrupted when the limit passes or the client goes away. Statements run again reuse their
/// parse (the sandbox's) and their prepared plan (the connection's).
struct QueryController {
    let analytics: AnalyticsDatabase
    let accessPolicy: AccessPolicy
    let sandbox: SQLSandbox
    let timeout: Duration
    let maxRows: Int

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post { request, context -> Response in
            let body = try await request.decodeJSON(Schemas.QueryRequest.self)
            let limit = body.limit ?? 1_000
            guard (1...maxRows).contains(limit) else {
                throw APIError(.unprocessableContent, "limit must be between 1 and \(maxRows), got \(limit)")
            }
            let readable = try await accessPolicy.accessibleTables(for: try context.requireUser())
            let sandbox = self.sandbox
            let json: String
            do {
                json = try await analytics.withConnection(timeout: timeout) { connection in
                    let checked = try sandbox.check(body.sql, using: connection) { readable?.contains($0) ?? true }
                    // The epoch's catalogue never changes, so a statement's plan can be kept for the next run.
                    do {
                        return try QueryResultJSON.render(try connection.cachedStatement(checked.sql).execute(), limit: limit).json
                    } catch {
                        connection.removeCachedStatement(checked.sql)
                        throw error
                    }
                }
            } catch DuckDBError.timedOut {
                throw APIError(.badRequest, "Query timed out after \(timeout.components.seconds) s")
            } catch let error as DuckDBError {
                throw APIError(.badRequest, "Query error: \(analytics.redactSecrets(in: error.description))")
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }
}
