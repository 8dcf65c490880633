import AnalystAPI
import AnalystCore
import Foundation
import Hummingbird

/// `GET /api/admin/audit?user=&action=&resource=&path=&since=&until=&limit=` (admin): recent API calls, newest first.
struct AuditController {
    let audit: AuditLog

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get { request, _ -> WireResponse<[Schemas.AuditEntry]> in
            let query = request.uri.queryParameters
            let limitText = query["limit"].map(String.init) ?? "100"
            guard let limit = Int(limitText), (1...10_000).contains(limit) else {
                throw APIError(.unprocessableContent, "limit must be a number from 1 to 10000")
            }
            let since = try query["since"].map { try AuditController.date(String($0), name: "since") }
            let until = try query["until"].map { try AuditController.date(String($0), name: "until") }
            let entries = try await audit.search(
                userID: query["user"].map(String.init), action: query["action"].map(String.init),
                resource: query["resource"].map(String.init), path: query["path"].map(String.init), since: since,
                until: until, limit: limit)
            return WireResponse(entries.map(Schemas.AuditEntry.init))
        }
    }

    /// ISO 8601 with or without fractional seconds and time zone (`2026-11-21`, `2026-11-21T10:00:00Z`).
    static func date(_ text: String, name: String) throws -> Date {
        let strategies: [Date.ISO8601FormatStyle] = [
            .init(includingFractionalSeconds: true), .init(), .init().year().month().day(),
        ]
        for strategy in strategies {
            if let date = try? Date(text, strategy: strategy) { return date }
        }
        throw APIError(.unprocessableContent, "\(name) must be an ISO 8601 date or time, e.g. 2026-11-21T10:00:00Z")
    }
}
