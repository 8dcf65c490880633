import AnalystAPI
import AnalystCore
import DuckDB
import Foundation
import Hummingbird
import JSONWriting

/// `/api/sync`: the manifest (any user, filtered by access), triggering a sync, following its job and reading the
/// sync history (admin).
struct SyncController {
    let manifest: SyncManifest
    let accessPolicy: AccessPolicy
    let registry: TableRegistry
    let jobs: SyncJobs
    let history: SyncHistory
    let system: SystemDatabase
    let directory: DataDirectory
    let knowledge: KnowledgeStore
    /// The manifests' table lists and the profiles bundles as bytes, by reader.
    let bodies: SyncBodies

    func addRoutes(user: RouterGroup<AppRequestContext>, admin: RouterGroup<AppRequestContext>) {
        user.get("manifest") { _, context -> Response in
            let user = try context.requireUser()
            let readable = try await accessPolicy.accessibleTables(for: user)
            let rules = try await knowledge.rules(for: user).hash
            let tables = await bodies.manifests.tables(readable: readable, of: manifest)
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(contentsOf: [tables, ByteBuffer(string: manifest.tailJSON(rulesHash: rules))]))
        }
        // The assets the manifest's `assets` hashes describe, for `da sync`.
        user.get("assets/docs") { _, _ -> WireResponse<Schemas.DocsBundle> in
            docsBundle()
        }
        user.get("assets/profiles") { _, context -> Response in
            let readable = try await accessPolicy.accessibleTables(for: try context.requireUser())
            return try await profilesBundle(readable: readable)
        }
        admin.post("trigger") { request, _ -> WireResponse<Schemas.SyncTriggered> in
            let tables = try await requestedTables(request)
            let job = jobs.trigger(tables: tables)
            return WireResponse(
                .init(
                    status: .triggered, tables: tables.map { .case2($0) } ?? .case1(.all), jobId: job.id,
                    message: "Data sync started in background. Follow it at /api/sync/jobs/{job_id}."),
                status: .accepted)
        }
        admin.get("jobs/:id") { _, context -> WireResponse<Schemas.SyncJob> in
            guard let job = jobs.job(id: try context.parameters.require("id")) else {
                throw APIError(.notFound, "Sync job not found (jobs are kept in memory for the last 100 runs)")
            }
            return WireResponse(.init(job))
        }
        admin.get("history") { request, _ -> WireResponse<Schemas.SyncHistory> in
            let query = request.uri.queryParameters
            let limitText = query["limit"].map(String.init) ?? "100"
            guard let limit = Int(limitText), (1...1000).contains(limit) else {
                throw APIError(.unprocessableContent, "limit must be an integer from 1 to 1000")
            }
            let entries = try await history.list(table: query["table"].map(String.init), limit: limit)
            return WireResponse(.init(entries: entries.map(Schemas.SyncHistoryEntry.init), count: entries.count))
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

    /// Every text file under `docs/` (metric YAML, table docs), read once for both the list and the hash.
    private func docsBundle() -> WireResponse<Schemas.DocsBundle> {
        let files = SyncManifest.files(under: directory.docs)
        let entries = files.compactMap { file in
            String(data: file.data, encoding: .utf8).map { Schemas.DocFile(path: file.path, content: $0) }
        }
        return WireResponse(.init(hash: SyncManifest.hash(of: files), files: entries))
    }

    /// `{"generated_at", "tables": {id: profile}}` for the tables the caller may read (the reference's profiles.json),
    /// kept per reader until the profiles hash changes (`generated_at` is when the kept answer was made).
    func profilesBundle(readable: Set<String>?) async throws -> Response {
        // The hash is read before the profiles: a body is never kept under a newer hash than its contents.
        let hash = manifest.profilesHash
        let body = try await bodies.profiles.body(readable: readable, current: hash) {
            (hash, ByteBuffer(string: try await renderProfiles(readable: readable)))
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// Written by hand: the stored profiles are JSON already and are copied into the answer as they are.
    private func renderProfiles(readable: Set<String>?) async throws -> String {
        let rows = try await system.withConnection { connection in
            try connection.query("SELECT table_id, profile FROM table_profiles ORDER BY table_id").rows()
        }
        var members: [String] = []
        for row in rows {
            guard let id = row[0].stringValue, let profile = row[1].stringValue, readable?.contains(id) ?? true else { continue }
            members.append(JSONText.quote(id) + ":" + profile)
        }
        return
            "{\"generated_at\":\(JSONText.quote(WireJSONEncoder.timestamp(Date()))),\"version\":\"1.0\",\"tables\":{\(members.joined(separator: ","))}}"
    }
}
