import AnalystCore
import Foundation
import Hummingbird

/// `/api/sync`: the manifest (any user, filtered by access), triggering a sync and following its job (admin).
struct SyncController {
    let manifest: SyncManifest
    let accessPolicy: AccessPolicy
    let registry: TableRegistry
    let jobs: SyncJobs

    struct TriggerResponse: ResponseEncodable {
        var status = "triggered"
        var tables: TablesField
        var job_id: String
        var message = "Data sync started in background. Follow it at /api/sync/jobs/{job_id}."

        /// `"all"` or the list of table ids, as the reference answered.
        enum TablesField: Encodable {
            case all
            case some([String])

            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .all: try container.encode("all")
                case .some(let ids): try container.encode(ids)
                }
            }
        }
    }

    struct JobResponse: ResponseEncodable {
        var id: String
        var status: String
        var step: String
        var tables: [String]?
        var created_at: String
        var started_at: String?
        var finished_at: String?
        var published: [String: [String]]?
        var changed_tables: [String]?
        var errors: [String: String]
        var duration_ms: Int?

        init(_ job: SyncJob) {
            id = job.id
            status = job.status.rawValue
            step = job.step
            tables = job.tables
            created_at = job.createdAt.apiTimestamp
            started_at = job.startedAt?.apiTimestamp
            finished_at = job.finishedAt?.apiTimestamp
            published = job.report?.published
            changed_tables = job.report?.changedTables
            errors = job.errors
            duration_ms = job.report.map {
                Int($0.elapsed.components.seconds * 1_000 + $0.elapsed.components.attoseconds / 1_000_000_000_000_000)
            }
        }
    }

    func addRoutes(user: RouterGroup<AppRequestContext>, admin: RouterGroup<AppRequestContext>) {
        user.get("manifest") { _, context -> Response in
            let user = try context.requireUser()
            let readable = try await accessPolicy.accessibleTables(for: user)
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: manifest.render(readable: readable))))
        }
        admin.post("trigger") { request, _ -> EditedResponse<TriggerResponse> in
            let tables = try await requestedTables(request)
            let job = jobs.trigger(tables: tables)
            return EditedResponse(
                status: .accepted,
                response: TriggerResponse(tables: tables.map { .some($0) } ?? .all, job_id: job.id))
        }
        admin.get("jobs/:id") { _, context -> JobResponse in
            guard let job = jobs.job(id: try context.parameters.require("id")) else {
                throw APIError(.notFound, "Sync job not found (jobs are kept in memory for the last 100 runs)")
            }
            return JobResponse(job)
        }
    }

    /// The optional body: a JSON array of registered table ids (the reference's shape); anything else is 422.
    private func requestedTables(_ request: Request) async throws -> [String]? {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        guard body.readableBytes > 0 else { return nil }
        guard let ids = try? JSONDecoder().decode([String].self, from: Data(buffer: body)) else {
            throw APIError(.unprocessableContent, "the body must be a JSON array of table ids, e.g. [\"orders\"], or empty for all")
        }
        let known = Set(try await registry.list().map(\.id))
        let unknown = ids.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw APIError(.unprocessableContent, "not registered: \(unknown.joined(separator: ", "))")
        }
        return ids.isEmpty ? nil : ids
    }
}
