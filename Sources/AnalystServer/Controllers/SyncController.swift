import AnalystCore
import Foundation
import Hummingbird

/// `/api/sync`: the manifest (any user, filtered by access), triggering a sync and following its job (admin).
struct SyncController {
    let manifest: SyncManifest
    let accessPolicy: AccessPolicy
    let registry: TableRegistry
    let jobs: SyncJobs
    let system: SystemDatabase
    let directory: DataDirectory

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
            duration_ms = job.report?.elapsed.wholeMilliseconds
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
        // The assets the manifest's `assets` hashes describe, for `da sync`.
        user.get("assets/docs") { _, _ -> Response in
            try await docsBundle()
        }
        user.get("assets/profiles") { _, context -> Response in
            let readable = try await accessPolicy.accessibleTables(for: try context.requireUser())
            return try await profilesBundle(readable: readable)
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

    /// `{"hash", "files": [{"path", "content"}]}`: every text file under `docs/` (metric YAML, table docs), read
    /// once for both the list and the hash.
    private func docsBundle() async throws -> Response {
        let files = SyncManifest.files(under: directory.docs)
        let entries = files.compactMap { file -> String? in
            guard let content = String(data: file.data, encoding: .utf8) else { return nil }
            return "{\"path\":\(JSONText.quote(file.path)),\"content\":\(JSONText.quote(content))}"
        }
        let hash = SyncManifest.hash(of: files).map(JSONText.quote) ?? "null"
        let json = "{\"hash\":\(hash),\"files\":[\(entries.joined(separator: ","))]}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// `{"generated_at", "tables": {id: profile}}` for the tables the caller may read (the reference's profiles.json).
    private func profilesBundle(readable: Set<String>?) async throws -> Response {
        let rows = try await system.withConnection { connection in
            try connection.query("SELECT table_id, profile FROM table_profiles ORDER BY table_id").rows()
        }
        var members: [String] = []
        for row in rows {
            guard let id = row[0].stringValue, let profile = row[1].stringValue, readable?.contains(id) ?? true else { continue }
            members.append(JSONText.quote(id) + ":" + profile)
        }
        let json =
            "{\"generated_at\":\(JSONText.quote(Date().apiTimestamp)),\"version\":\"1.0\",\"tables\":{\(members.joined(separator: ","))}}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
